// web/web_static.cc: StaticFileHandler and static_url.
//
// Mirrors:  tornado/web.py StaticFileHandler (get, validate_absolute_path, set_headers,
//           should_return_304, get_content_type, get_cache_time, make_static_url,
//           get_version); the Range header goes through httputil::parse_request_range.
// Safety:   the root and the requested file are both resolved with realpath(3), so "..",
//           %-encoded dots (already decoded in the group), absolute paths and symlinks that
//           lead outside the root all fail the same prefix check (403).
// Thread:   the loop thread; file reads are blocking pread(2) calls of 64 KiB, as Tornado's.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "tornado/stream/iostream.h"
#include "tornado/web/sha1.h"
#include "tornado/web/sha256.h"
#include "tornado/web/web.h"

namespace tornado::web {

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr long kLongCache = 86400L * 365 * 10;  // ten years, for ?v= URLs

struct Type {
  const char* ext;
  const char* type;
};
// What Python's mimetypes answers for the files a site serves.
constexpr Type kTypes[] = {
    {"html", "text/html"},        {"htm", "text/html"},
    {"css", "text/css"},          {"js", "text/javascript"},
    {"mjs", "text/javascript"},   {"json", "application/json"},
    {"txt", "text/plain"},        {"csv", "text/csv"},
    {"md", "text/markdown"},      {"xml", "text/xml"},
    {"png", "image/png"},         {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},       {"gif", "image/gif"},
    {"svg", "image/svg+xml"},     {"ico", "image/vnd.microsoft.icon"},
    {"webp", "image/webp"},       {"avif", "image/avif"},
    {"bmp", "image/bmp"},         {"pdf", "application/pdf"},
    {"wasm", "application/wasm"}, {"zip", "application/zip"},
    {"tar", "application/x-tar"}, {"woff", "font/woff"},
    {"woff2", "font/woff2"},      {"ttf", "font/ttf"},
    {"otf", "font/otf"},          {"mp3", "audio/mpeg"},
    {"wav", "audio/x-wav"},       {"ogg", "audio/ogg"},
    {"mp4", "video/mp4"},         {"webm", "video/webm"},
    {"map", "application/json"},  {"webmanifest", "application/manifest+json"},
};

// Encodings Python's mimetypes recognizes: the type is then not the inner file's.
constexpr const char* kEncodings[] = {"gz", "bz2", "xz", "br", "Z"};

std::string real_path(const std::string& p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf) == nullptr) return {};
  return buf;
}

std::string hash_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  Sha256 h;
  std::string buf(kChunk, '\0');
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    h.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  ::close(fd);
  const Sha256::Digest d = h.digest();
  return hex_encode(d.data(), d.size());
}

// The content hash of a file, cached by path until its size or mtime changes.
std::string cached_version(Application& app, const std::string& abs, const struct stat& st) {
  const std::string stamp = std::to_string(st.st_size) + ":" + std::to_string(st.st_mtime) + ":";
  auto& cache = app.static_hashes();
  const auto it = cache.find(abs);
  if (it != cache.end() && it->second.compare(0, stamp.size(), stamp) == 0)
    return it->second.substr(stamp.size());
  const std::string hash = hash_file(abs);
  cache[abs] = stamp + hash;
  return hash;
}

// Closes the file however the coroutine ends.
struct FileCloser {
  int fd;
  ~FileCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

// Reached only through detail::static_rules, which assigning Settings::static_path sets.
std::vector<Rule> detail::make_static_rules(const Settings& settings) {
  std::string escaped;
  for (char c : settings.static_url_prefix) {
    if (std::strchr(".[]()*+?{}|^$\\", c)) escaped += '\\';
    escaped += c;
  }
  std::vector<Rule> statics;
  for (const std::string& pattern :
       {escaped + "(.*)", std::string(R"(/(favicon\.ico))"), std::string(R"(/(robots\.txt))")}) {
    statics.push_back(url<StaticFileHandler>(pattern, std::string(settings.static_path)));
  }
  return statics;
}

std::string StaticFileHandler::content_type_for(std::string_view filename) {
  const std::size_t slash = filename.rfind('/');
  std::string_view base = slash == std::string_view::npos ? filename : filename.substr(slash + 1);
  std::size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "application/octet-stream";
  std::string_view ext = base.substr(dot + 1);
  for (const char* e : kEncodings) {
    if (ext == e) return ext == "gz" ? "application/gzip" : "application/octet-stream";
  }
  std::string low(ext);
  for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const Type& t : kTypes) {
    if (low == t.ext) return t.type;
  }
  return "application/octet-stream";
}

void StaticFileHandler::initialize(std::string root, std::string default_filename) {
  root_ = std::move(root);
  default_filename_ = std::move(default_filename);
}

std::string StaticFileHandler::validate(const std::string& path) {
  const std::string root = real_path(root_);
  if (root.empty()) throw HTTPError(404, "static root " + root_ + " does not exist");
  if (path.find('\0') != std::string::npos) throw HTTPError(400, "NUL in a static path");
  // An absolute path replaces the root, as Python's os.path.join does; the prefix check below
  // then refuses it (403) rather than looking for it under the root.
  std::string joined = !path.empty() && path.front() == '/' ? path : root + "/" + path;
  std::string abs = real_path(joined);
  if (abs.empty()) {
    // Missing: still refuse a path that points outside the root, so probing learns nothing.
    std::string parent = joined.substr(0, joined.rfind('/'));
    const std::string real_parent = real_path(parent);
    if (!real_parent.empty() && (real_parent + "/").compare(0, root.size() + 1, root + "/") != 0)
      throw HTTPError(403, path + " is not in root static directory");
    throw HTTPError(404);
  }
  if ((abs + "/").compare(0, root.size() + 1, root + "/") != 0)
    throw HTTPError(403, path + " is not in root static directory");
  struct stat st {};
  if (::stat(abs.c_str(), &st) != 0) throw HTTPError(404);
  if (S_ISDIR(st.st_mode) && !default_filename_.empty()) {
    if (request().path.empty() || request().path.back() != '/') {
      if (request().path.rfind("//", 0) == 0)
        throw HTTPError(403, "cannot redirect path with two initial slashes");
      redirect(request().path + "/", true);
      return {};
    }
    abs += "/" + default_filename_;
    if (::stat(abs.c_str(), &st) != 0) throw HTTPError(404);
  }
  if (!S_ISREG(st.st_mode)) throw HTTPError(403, path + " is not a file");
  modified_ = st.st_mtime;
  size_ = static_cast<std::uint64_t>(st.st_size);
  version_ = cached_version(application(), abs, st);
  return abs;
}

std::optional<std::string> StaticFileHandler::compute_etag() const {
  if (version_.empty()) return std::nullopt;
  return "\"" + version_ + "\"";
}

bool StaticFileHandler::should_return_304() const {
  if (request().headers.contains("If-None-Match")) return check_etag_header();
  if (const std::string* ims = request().headers.find("If-Modified-Since")) {
    if (const std::optional<std::time_t> since = httputil::parse_http_date(*ims))
      return *since >= modified_;
  }
  return false;
}

Future<void> StaticFileHandler::serve(std::string path, bool include_body) {
  absolute_path_ = validate(path);
  if (absolute_path_.empty()) co_return;  // redirected to the directory's "/"
  set_header("Accept-Ranges", "bytes");
  set_etag_header();
  set_header("Last-Modified", httputil::format_timestamp(modified_));
  set_header("Content-Type", content_type_for(absolute_path_));
  if (request().query_arguments.count("v")) {
    set_header("Expires", httputil::format_timestamp(std::time(nullptr) + kLongCache));
    set_header("Cache-Control", "max-age=" + std::to_string(kLongCache));
  }
  if (should_return_304()) {
    set_status(304);
    co_return;
  }
  const long long size = static_cast<long long>(size_);
  std::optional<long long> start, end;
  if (const std::string* rh = request().headers.find("Range")) {
    if (const auto r = httputil::parse_request_range(*rh)) {
      start = r->start;
      end = r->end;
      if (start && *start < 0) {
        *start += size;
        if (*start < 0) start = 0;
      }
      if ((start && (*start >= size || (end && *start >= *end))) || (end && *end == 0)) {
        set_status(416);
        set_header("Content-Type", "text/plain");
        set_header("Content-Range", "bytes */" + std::to_string(size));
        co_return;
      }
      if (end && *end > size) end = size;
      // Only a real part is a 206: "bytes=0-" gets the whole file with 200 (Chrome's audio
      // refuses a 206 for it).
      if (size != end.value_or(size) - start.value_or(0)) {
        set_status(206);
        set_header("Content-Range", httputil::get_content_range(start, end, size));
      }
    }
  }
  const long long from = start.value_or(0);
  const long long to = end.value_or(size);
  set_header("Content-Length", static_cast<std::int64_t>(to - from));
  if (!include_body) co_return;
  FileCloser file{::open(absolute_path_.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) throw HTTPError(404);
  std::string buf;
  for (long long at = from; at < to;) {
    const std::size_t want = static_cast<std::size_t>(std::min<long long>(kChunk, to - at));
    buf.resize(want);
    const ssize_t n = ::pread(file.fd, buf.data(), want, at);
    if (n < 0 && errno == EINTR) continue;
    // The file shrank under us: what was promised cannot be sent; the connection closes.
    if (n <= 0) throw std::runtime_error("static file " + absolute_path_ + " shrank while sent");
    at += n;
    write(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    if (at < to) {
      try {
        co_await flush();
      } catch (const StreamClosedError&) {
        co_return;  // the client left
      }
    }
  }
}

std::string StaticFileHandler::get_version(Application& app, std::string_view path) {
  const std::string root = real_path(app.settings().static_path);
  const std::string abs = real_path(app.settings().static_path + "/" + std::string(path));
  if (root.empty() || abs.empty() || (abs + "/").compare(0, root.size() + 1, root + "/") != 0)
    return {};
  struct stat st {};
  if (::stat(abs.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  return cached_version(app, abs, st);
}

std::string StaticFileHandler::make_static_url(Application& app, std::string_view path,
                                               bool include_version) {
  std::string url = app.settings().static_url_prefix + std::string(path);
  if (!include_version) return url;
  const std::string v = get_version(app, path);
  return v.empty() ? url : url + "?v=" + v;
}

std::string RequestHandler::static_url(std::string_view path, bool include_host) {
  if (settings().static_path.empty())
    throw std::logic_error("the static_path setting is needed to call static_url");
  std::string base = include_host ? request().protocol + "://" + request().host : std::string();
  return base + StaticFileHandler::make_static_url(application(), path);
}

}  // namespace tornado::web
