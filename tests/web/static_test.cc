// tests/web/static_test.cc: StaticFileHandler and static_url.
// Mirrors:  tornado/test/web_test.py StaticFileTest (test_static_304_if_modified_since,
//           test_static_304_if_none_match, test_static_if_modified_since_pre_epoch,
//           test_static_with_range*, test_static_invalid_range, test_static_head*,
//           test_path_traversal_protection, test_static_default_redirect,
//           test_static_compressed_files, test_static_url).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/async_test.h"
#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using namespace tornado;
using namespace tornado::web;
using tornado::testing::AsyncHTTPTestCase;

namespace {

// A temporary tree: root/{robots.txt, a.txt (26 letters), dir/index.html, big.bin, data.gz,
// data.bz2}, a secret file beside root, and a symlink inside root pointing at it.
struct Tree {
  std::string base;
  std::string root;
  Tree() {
    char tmpl[] = "/tmp/tornado-static-XXXXXX";
    base = ::mkdtemp(tmpl);
    root = base + "/root";
    ::mkdir(root.c_str(), 0755);
    ::mkdir((root + "/dir").c_str(), 0755);
    put(root + "/robots.txt", "User-agent: *\n");
    put(root + "/a.txt", "abcdefghijklmnopqrstuvwxyz");
    put(root + "/dir/index.html", "<p>index</p>");
    put(root + "/data.gz", "gz");
    put(root + "/data.bz2", "bz");
    std::string big;
    for (int i = 0; i < 300000; ++i) big += static_cast<char>('a' + i % 23);
    put(root + "/big.bin", big);
    put(base + "/secret.txt", "secret");
    REQUIRE(::symlink((base + "/secret.txt").c_str(), (root + "/link.txt").c_str()) == 0);
  }
  ~Tree() { std::system(("rm -rf " + base).c_str()); }
  static void put(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
  }
};

}  // namespace

TEST_CASE("static: files, types, HEAD, 304, ranges, traversal, default file, static_url") {
  Tree tree;
  Settings s;
  s.static_path = tree.root;
  Application app({url<StaticFileHandler>("/site/(.*)", tree.root, std::string("index.html"))}, s);
  AsyncHTTPTestCase t(app);
  tornado::testing::ExpectLog quiet("GET");  // the 403/404 warnings

  auto r = t.fetch("/static/a.txt");
  REQUIRE(r.code == 200);
  CHECK(r.body == "abcdefghijklmnopqrstuvwxyz");
  CHECK(r.headers.get("Content-Type") == "text/plain");
  CHECK(r.headers.get("Accept-Ranges") == "bytes");
  CHECK(r.headers.get("Content-Length") == "26");
  const std::string etag = r.headers.get("Etag");
  const std::string last_modified = r.headers.get("Last-Modified");
  CHECK(etag.size() == 66);  // a quoted SHA-256
  CHECK_FALSE(last_modified.empty());
  CHECK_FALSE(r.headers.contains("Cache-Control"));
  CHECK(t.fetch("/robots.txt").body == "User-agent: *\n");
  CHECK(t.fetch("/static/data.gz").headers.get("Content-Type") == "application/gzip");
  CHECK(t.fetch("/static/data.bz2").headers.get("Content-Type") == "application/octet-stream");

  // HEAD: the headers and length, no body.
  r = t.fetch("/static/a.txt", "HEAD");
  CHECK(r.code == 200);
  CHECK(r.body.empty());
  CHECK(r.headers.get("Content-Length") == "26");
  CHECK(r.headers.get("Etag") == etag);

  // Conditional requests.
  struct Cond {
    HTTPHeaders headers;
    int code;
  };
  const Cond conds[] = {
      {{{"If-Modified-Since", last_modified}}, 304},
      {{{"If-None-Match", etag}}, 304},
      {{{"If-None-Match", "\"other\""}, {"If-Modified-Since", last_modified}}, 200},
      {{{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}}, 200},
      {{{"If-Modified-Since", "not a date"}}, 200},
  };
  for (const Cond& c : conds) {
    r = t.fetch("/static/a.txt", "GET", "", c.headers);
    CHECK(r.code == c.code);
    if (c.code == 304) {
      CHECK(r.body.empty());
      CHECK_FALSE(r.headers.contains("Content-Length"));
    }
  }

  // Ranges, as Tornado answers them.
  struct Rng {
    const char* range;
    int code;
    const char* content_range;
    std::string body;
  };
  const Rng ranges[] = {
      {"bytes=0-9", 206, "bytes 0-9/26", "abcdefghij"},
      {"bytes=0-", 200, "", "abcdefghijklmnopqrstuvwxyz"},
      {"bytes=0-10000000", 200, "", "abcdefghijklmnopqrstuvwxyz"},
      {"bytes=1-10000000", 206, "bytes 1-25/26", "bcdefghijklmnopqrstuvwxyz"},
      {"bytes=22-", 206, "bytes 22-25/26", "wxyz"},
      {"bytes=-4", 206, "bytes 22-25/26", "wxyz"},
      {"bytes=-1000000", 200, "", "abcdefghijklmnopqrstuvwxyz"},
      {"asdf", 200, "", "abcdefghijklmnopqrstuvwxyz"},
      {"bytes=0-1,3-4", 200, "", "abcdefghijklmnopqrstuvwxyz"},
      {"bytes=-0", 416, "bytes */26", ""},
      {"bytes=26", 416, "bytes */26", ""},
      {"bytes=10-3", 416, "bytes */26", ""},
  };
  for (const Rng& g : ranges) {
    const std::string range = g.range;
    CAPTURE(range);
    r = t.fetch("/static/a.txt", "GET", "", HTTPHeaders{{"Range", g.range}});
    CHECK(r.code == g.code);
    CHECK(r.headers.get("Content-Range") == g.content_range);
    if (g.code != 416) CHECK(r.body == g.body);
    if (g.code == 206) CHECK(r.headers.get("Etag") == etag);
  }
  r = t.fetch("/static/a.txt", "HEAD", "", HTTPHeaders{{"Range", "bytes=1-4"}});
  CHECK(r.code == 206);
  CHECK(r.headers.get("Content-Length") == "4");

  // A file bigger than one 64 KiB piece arrives whole.
  r = t.fetch("/static/big.bin");
  REQUIRE(r.code == 200);
  CHECK(r.body.size() == 300000);
  CHECK(r.body[299999] == static_cast<char>('a' + 299999 % 23));

  // Traversal: "..", encoded dots, absolute paths and symlinks out of the root.
  struct Bad {
    const char* path;
    int code;
  };
  const Bad bad[] = {
      {"/static/../secret.txt", 403},
      {"/static/%2e%2e/secret.txt", 403},
      {"/static/dir/%2E%2E/%2e%2e/secret.txt", 403},
      {"/static//etc/passwd", 403},
      {"/static/link.txt", 403},
      {"/static/missing.txt", 404},
      {"/static/../missing.txt", 403},
      {"/static/dir", 403},  // a directory, and this rule has no default file
  };
  for (const Bad& b : bad) {
    const std::string path = b.path;
    CAPTURE(path);
    CHECK(t.fetch(b.path).code == b.code);
  }

  // A directory with a default file: redirected to its "/" form, then served.
  r = t.fetch("/site/dir");
  CHECK(r.code == 301);
  CHECK(r.headers.get("Location") == "/site/dir/");
  CHECK(t.fetch("/site/dir/").body == "<p>index</p>");

  // static_url adds the content hash; such URLs are cached for long.
  const std::string url = StaticFileHandler::make_static_url(app, "a.txt");
  CHECK(url == "/static/a.txt?v=" + etag.substr(1, 64));
  r = t.fetch(url);
  CHECK(r.headers.get("Cache-Control") == "max-age=315360000");
  CHECK(r.headers.contains("Expires"));
  CHECK(StaticFileHandler::make_static_url(app, "missing.txt") == "/static/missing.txt");
}

TEST_CASE("static: static_path given a value links the handler; changed by append, refused") {
  Tree tree;
  // A program links StaticFileHandler only once it gives static_path a value; one that has
  // not, and changes the string in place, is told so rather than silently not served.
  auto* const saved = web::detail::static_rules;
  web::detail::static_rules = nullptr;
  Settings appended;
  appended.static_path.append(tree.root);
  CHECK_THROWS_AS(Application({}, appended), std::invalid_argument);
  const StaticPath constructed(tree.root);
  CHECK((web::detail::static_rules != nullptr));
  web::detail::static_rules = nullptr;
  Settings assigned;
  assigned.static_path = tree.root;
  CHECK((web::detail::static_rules != nullptr));
  web::detail::static_rules = saved;

  Application app({}, assigned);
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/static/a.txt").body == "abcdefghijklmnopqrstuvwxyz");
  CHECK(t.fetch("/robots.txt").body == "User-agent: *\n");
}
