#!/usr/bin/env python3
"""badredis.py - a TCP server on 127.0.0.1 that speaks Redis badly, for
tests/integration/redis_tls.sh: the webhook must drop each connection and
count Redis down, with nothing allocated for what it was sent.

usage: badredis.py MODE PORT
  silent  accept, read, never answer (a TLS client waits for a handshake
          that never comes; a plain one for a reply)
  array   answer every read with the header of an array of 99,999,999
          elements, and nothing after it
  extra   answer every read with +OK and a second reply nobody asked for
Logs "accepted" per connection.
"""
import socket
import sys
import threading

ANSWERS = {
    "silent": None,
    "array": b"*99999999\r\n",
    "extra": b"+OK\r\n+SURPRISE\r\n",
}


def serve(conn, answer):
    with conn:
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                if answer is not None:
                    conn.sendall(answer)
        except OSError:
            return


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    answer = ANSWERS[mode]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        print("accepted", flush=True)
        threading.Thread(target=serve, args=(conn, answer), daemon=True).start()


if __name__ == "__main__":
    main()
