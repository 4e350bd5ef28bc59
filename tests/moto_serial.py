"""Starts moto's AWS emulator (DynamoDB, SQS, S3, Secrets Manager, SSM...) serving one request
at a time.

Two changes to moto as it comes, both about the emulator, not about what it emulates:

- Requests are served one by one. `moto_server` runs werkzeug with threads, and then two
  concurrent conditional TransactWriteItems can both succeed, which real DynamoDB never allows
  (seen with moto 5.2: 2 winners out of 20 racing transactions). Serving requests one by one
  restores the atomicity Tiketi's exactly-once logic relies on, so the tests check our code,
  not moto's races.
- TransactWriteItems keeps a copy of only the items it names for its rollback. moto deep-copies
  every table the transaction touches, so each transaction costs time in proportion to the
  table: a 10,000-voucher batch took ~20 minutes. The rollback is unchanged: on any failure
  the named items are put back as they were (or removed, if they did not exist), which is
  exactly what the whole-table copy restored, since nothing else writes while it runs.

Usage: python3 moto_serial.py HOST PORT
"""

import copy
import sys

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_transact_write_items = DynamoDBBackend.transact_write_items


def _named_items(backend, transact_items):
    """(table, hash key, range key, a copy of the item or None) for each item named."""
    named = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        key = op.get("Key") or op.get("Item") or {}
        if table.hash_key_attr not in key:
            continue
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = None
        if table.range_key_attr is not None:
            if table.range_key_attr not in key:
                continue
            range_key = DynamoType(key[table.range_key_attr])
        item = table.get_item(hash_key, range_key)
        named.append((table, hash_key, range_key, copy.deepcopy(item)))
    return named


def _restore(named):
    for table, hash_key, range_key, item in reversed(named):
        if range_key is None:
            if item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item
        else:
            if item is None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items[hash_key][range_key] = item


def transact_write_items(self, transact_items):
    named = _named_items(self, transact_items)
    # moto's own backup becomes the live table (a no-op copy); `_restore` does the rollback.
    Table.__deepcopy__ = lambda table, memo: table
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        _restore(named)
        raise
    finally:
        del Table.__deepcopy__


DynamoDBBackend.transact_write_items = transact_write_items

if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    run_simple(host, port, DomainDispatcherApplication(create_backend_app), threaded=False)
