cd /work/main
B=.venv/bin
for v in "$@"; do
.venv/bin/python /tmp/usevar.py $v
$B/briefing-index build --full --out var/index-$v 2>&1 | grep -v INFO
echo "== $v seed"; $B/briefing-index eval --index var/index-$v 2>&1 | grep -v INFO | grep "answer \|hybrid\|abstention"
echo "== $v answers de,es,ru"; $B/briefing-index eval answers --work var/eval-$v --pool de,es,ru --questions en --articles 30-41 --off-topic-from 42-47 --off-topic 200 2>&1 | grep -v INFO
echo "== $v answers en,zh"; $B/briefing-index eval answers --work var/eval-$v --pool en,zh --questions ru --articles 36-47 --off-topic-from 30-35 --off-topic 200 2>&1 | grep -v INFO
echo "== $v answers ar,hi,tr"; $B/briefing-index eval answers --work var/eval-$v --pool ar,hi,tr --questions es --articles 30-35,42-47 --off-topic-from 36-41 --off-topic 200 2>&1 | grep -v INFO
done
