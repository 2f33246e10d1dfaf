#!/usr/bin/python3
# bench/tornado_hello.py: Python Tornado's hello world, the figure the C++ demo is compared with.
#
#   /usr/bin/python3 bench/tornado_hello.py --port=8888     (Debian's python3-tornado)
#
# The same handler as demos/helloworld.cc, access log off, one process.
import logging

import tornado.ioloop
import tornado.options
import tornado.web

tornado.options.define("port", default=8888, type=int)


class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello, world")


def main():
    tornado.options.parse_command_line()
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    app = tornado.web.Application([(r"/", MainHandler)])
    app.listen(tornado.options.options.port, "127.0.0.1")
    tornado.ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
