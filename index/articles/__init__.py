"""Articles: files read into documents, their dates and languages, and passages cut from them."""
