"""Starts moto's DynamoDB/SQS emulator serving one request at a time.

`moto_server` runs werkzeug with threads, and then two concurrent conditional
TransactWriteItems can both succeed, which real DynamoDB never allows (seen with moto
5.2: 2 winners out of 20 racing transactions). Serving requests one by one restores the
atomicity Tiketi's exactly-once logic relies on, so the tests check our code, not moto's
races. Usage: python3 moto_serial.py HOST PORT
"""

import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    run_simple(host, port, DomainDispatcherApplication(create_backend_app), threaded=False)
