"""PostgreSQL backend for the embedded server: it starts (or joins) the server on the first
connection, not when settings are read, so commands that never touch the database (compiling
messages, ruff, a schema dump) leave no server running behind them."""

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        from twp import embedded

        embedded.postgres()
        return super().get_new_connection(conn_params)
