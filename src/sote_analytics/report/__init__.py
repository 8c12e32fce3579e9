"""Reports: the content the notebooks show, and running them into HTML."""
