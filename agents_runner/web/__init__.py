"""`agents-runner ui`: a live page and a JSON API over a state dir, served on loopback.

auth.py   the token (query, cookie or bearer), and same-origin POSTs only
api.py    the JSON endpoints, read from the store; cancel and kill as the CLI's
pages.py  the board and a task's page: HTML whose dynamic text is set as text
app.py    the Starlette application that joins them
"""
