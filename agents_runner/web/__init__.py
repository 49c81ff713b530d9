"""`agents-runner ui`: a live page and a JSON API over a state dir, served on loopback.

auth.py     the token (query, cookie or bearer), and same-origin POSTs only
api.py      the JSON endpoints, read from the store; cancel, kill and submit as the CLI's
query.py    the board's filters and cursor, read from a query string
catalog.py  pages of tasks: the unfinished through the index, the finished a page at a time
logview.py  a log by offset and by its last lines, and as text safe to show
events.py   server-sent events when the store changes
submit.py   a new task from the page, read and checked as `run` reads and checks it
openapi.py  the API's OpenAPI document
pages.py    the board and a task's page: HTML whose dynamic text is set as text
scripts.py  the pages' scripts
app.py      the Starlette application that joins them
"""
