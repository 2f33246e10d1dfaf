// web/web_output.cc: what a RequestHandler writes: status, headers, body, flush, finish,
// redirect and ETags.
//
// Mirrors:  tornado/web.py RequestHandler (clear, set_status, set_header, add_header,
//           clear_header, write, flush, finish, redirect, compute_etag, set_etag_header,
//           check_etag_header).
// Role:     the response of a handler: the default headers, the checks that keep a header
//           name, value or reason from ending the head early, the buffered body, and finish()
//           adding the ETag (with its 304), Content-Length and handing it all to the connection.
//           The request sequence and error pages are in web/web_handler.cc.
// Thread:   the loop thread.
#include <ctime>

#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/util.h"
#include "tornado/web/sha1.h"
#include "tornado/web/web.h"

namespace tornado::web {

namespace {

constexpr std::string_view kServer = "tornado-cpp/0.1";
constexpr std::string_view kDefaultContentType = "text/html; charset=UTF-8";

// The Date header, formatted once per second (it is on every response); `now` is that second.
const std::string& http_date_now(std::time_t& now) {
  thread_local std::time_t cached_at = 0;
  thread_local std::string cached;
  now = std::time(nullptr);
  if (now != cached_at) {
    cached_at = now;
    cached = httputil::format_timestamp(now);
  }
  return cached;
}

// RFC 9110's field-value, as the parser checks a request's (httputil::detail::is_field_value):
// anything else (CR, LF, NUL...) would let a value end the header or the head. Every value set
// goes through here (the automatic ETag's 42 bytes on each GET).
bool safe_header_value(std::string_view v) { return httputil::detail::is_field_value(v); }

// A field name with a colon or a control character would end the field early or forge another;
// the connection refuses to write one, so refusing it here, when it is set, lets the error become
// a 500 rather than a connection closed with no answer.
bool safe_header_name(std::string_view n) {
  for (char c : n) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ':' || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// The reason-phrase ABNF, without "<" (so it cannot carry markup into error pages).
bool valid_reason(std::string_view r) {
  for (char c : r) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '<' || (u != '\t' && (u < 0x20 || u == 0x7f))) return false;
  }
  return true;
}

}  // namespace

// --- output -------------------------------------------------------------------------------------

namespace {

// The field list of the last handler that ended on this thread, values and all, for the next
// handler's clear(): its first three fields are the defaults (Server, Content-Type, Date) in
// most responses, and reused as they stand they need neither a list, nor a field built, nor a
// value copied, where building them anew (the list from the free lists, three fields, two
// long values from the spare strings) and taking them apart at the end cost ~800 instructions
// a request (bench/README.md).
struct SpareFields {
  HTTPHeaders::FieldList fields;
  bool defaults_intact = false;  // as RequestHandler::defaults_intact_ for this list
  std::time_t date_at = 0;       // the second its Date value names
  // The storage of the automatic ETag's value of a response before, for the next one's:
  // handed straight from the field dropped when the list was cut to its defaults to
  // sha1_etag(), where the thread's spare strings (gen/recycle.h) took ~150 instructions a
  // request to keep it and give it back.
  std::string etag;
};
thread_local SpareFields tl_spare_fields;

// "\"" + 40 hex digits + "\"".
constexpr std::size_t kEtagSize = 2 * std::tuple_size_v<Sha1::Digest> + 2;

// A value dropped when a list is cut to its defaults: kept for the next ETag when its storage
// fits one and none is kept, else given to the thread's spare strings.
void drop_value(std::string&& value, SpareFields& spare) {
  if (value.capacity() >= kEtagSize && spare.etag.capacity() < kEtagSize) {
    spare.etag = std::move(value);
  } else {
    tornado::detail::recycle_string(std::move(value));
  }
}

void reset_value(std::string& value, std::string_view want) {
  if (std::string_view(value) != want) value.assign(want.data(), want.size());
}

}  // namespace

void RequestHandler::recycle_header_values() {
  HTTPHeaders::FieldList fields = headers_.take_fields();
  if (fields.capacity() == 0) return;
  SpareFields& spare = tl_spare_fields;
  if (spare.fields.capacity() == 0) {
    // A list that starts with the defaults, unchanged, is cut to them here, so that the next
    // clear() takes it as it stands (mostly the same second: its Date too).
    const bool intact = defaults_intact_ && fields.size() >= 3;
    if (intact) {
      for (auto it = fields.begin() + 3; it != fields.end(); ++it)
        drop_value(std::move(it->value), spare);
      fields.erase(fields.begin() + 3, fields.end());
    }
    spare.fields = std::move(fields);
    spare.defaults_intact = intact;
    spare.date_at = date_at_;
    return;
  }
  for (HTTPHeaders::Field& f : fields) tornado::detail::recycle_string(std::move(f.value));
}

namespace {

// clear()'s defaults when the spare list cannot be taken as it stands: the fields are those of
// `headers` (`intact` and `date_at` are its handler's flags), or the spare list's when
// `headers` holds none.
void reset_defaults(HTTPHeaders& headers, bool intact, std::time_t date_at, std::time_t now,
                    const std::string& date) {
  HTTPHeaders::FieldList fields = headers.take_fields();
  if (fields.capacity() == 0) {
    SpareFields& spare = tl_spare_fields;
    fields = std::move(spare.fields);
    intact = spare.defaults_intact;
    date_at = spare.date_at;
    spare.defaults_intact = false;
  }
  intact = intact && fields.size() >= 3;
  if (intact || (fields.size() >= 3 && fields[0].name == "Server" &&
                 fields[1].name == "Content-Type" && fields[2].name == "Date")) {
    SpareFields& spare = tl_spare_fields;
    for (auto it = fields.begin() + 3; it != fields.end(); ++it)
      drop_value(std::move(it->value), spare);
    fields.erase(fields.begin() + 3, fields.end());
    if (!intact) {
      reset_value(fields[0].value, kServer);
      reset_value(fields[1].value, kDefaultContentType);
    }
    if (!intact || date_at != now) reset_value(fields[2].value, date);
    headers.restore_fields(std::move(fields));
  } else {
    // Names and values known to be in the form add() would give them: added as they are. The
    // values longer than a string holds inline (Content-Type, Date) take the storage of a
    // previous response's (gen/recycle.h): a malloc each, per request, otherwise.
    for (HTTPHeaders::Field& f : fields) tornado::detail::recycle_string(std::move(f.value));
    fields.clear();
    headers.restore_fields(std::move(fields));
    headers.add_normalized("Server", std::string(kServer));
    headers.add_normalized("Content-Type", tornado::detail::recycled_string(kDefaultContentType));
    headers.add_normalized("Date", tornado::detail::recycled_string(date));
  }
}

}  // namespace

void RequestHandler::clear() {
  // Tornado's defaults, in its order: Server, Content-Type, Date. A list that starts with
  // them (this handler's own, or the last handler's) keeps those three fields and drops the
  // rest. Their values are left as they are when nothing changed them since clear() set them
  // (and the Date is of this second), else compared with the defaults.
  std::time_t now = 0;
  const std::string& date = http_date_now(now);
  SpareFields& spare = tl_spare_fields;
  if (headers_.get_all().capacity() == 0 && spare.defaults_intact && spare.date_at == now) {
    // A new handler (most calls), after a response that left the defaults as they were, in
    // this second: the last handler cut its list to them (recycle_header_values), and it is
    // taken as it stands.
    headers_.restore_fields(std::move(spare.fields));
    spare.defaults_intact = false;
  } else {
    reset_defaults(headers_, defaults_intact_, date_at_, now, date);
  }
  defaults_intact_ = true;
  date_at_ = now;
  set_default_headers();
  write_buffer_.clear();
  status_code_ = 200;
  // Nearly always "OK" already (a new handler's): compared inline, not assigned through the
  // string's out-of-line replace.
  if (std::string_view(reason_) != "OK") reason_ = "OK";
  table_reason_ = true;
}

void RequestHandler::set_status(int status_code, std::string_view reason) {
  status_code_ = status_code;
  table_reason_ = reason.empty();
  if (!reason.empty() && valid_reason(reason)) {
    reason_ = std::string(reason);
  } else if (!reason.empty()) {
    reason_ = "Unknown";  // never echo a reason that could inject a header or markup
  } else {
    reason_ = std::string(httputil::reason_phrase(status_code));
  }
}

void RequestHandler::set_header(std::string_view name, std::string_view value) {
  if (!safe_header_name(name)) throw std::invalid_argument("Unsafe header name");
  if (!safe_header_value(value)) throw std::invalid_argument("Unsafe header value");
  defaults_intact_ = false;
  headers_.set(name, value);
}

void RequestHandler::set_header(std::string_view name, std::int64_t value) {
  set_header(name, std::string_view(std::to_string(value)));
}

void RequestHandler::add_header(std::string_view name, std::string_view value) {
  if (!safe_header_name(name)) throw std::invalid_argument("Unsafe header name");
  if (!safe_header_value(value)) throw std::invalid_argument("Unsafe header value");
  headers_.add(name, value);
}

void RequestHandler::clear_header(std::string_view name) {
  defaults_intact_ = false;
  headers_.erase(name);
}

void RequestHandler::write(std::string_view chunk) {
  if (finished_) throw std::logic_error("Cannot write() after finish()");
  // A body past the string's inline capacity starts in the storage a previous response's
  // flush() gave back (gen/recycle.h): a malloc, and the reallocations as it grows, otherwise.
  if (write_buffer_.empty() && chunk.size() > write_buffer_.capacity())
    write_buffer_ = tornado::detail::spare_buffer();
  write_buffer_.append(chunk);
}

void RequestHandler::write(const json::Value& value) {
  if (!value.is_object())
    throw std::invalid_argument(
        "write() takes a JSON object, not an array or a scalar (as Tornado: a top-level array "
        "can be read cross-site by old browsers)");
  write(json::encode(value));
  set_header("Content-Type", "application/json; charset=UTF-8");
}

namespace {

// The status line flush() hands to the connection, kept between responses: a line made for
// each response built and destroyed two strings. Its reason is nearly always empty (the
// connection writes the table's phrase for the code), or the one the handler gave set_status.
thread_local ResponseStartLine tl_start_line;

}  // namespace

Future<void> RequestHandler::flush() {
  // The connection copies what it sends, so the body goes to it as a view of the buffer; then
  // (even when the connection throws) the buffer is emptied, its storage kept for the next
  // response's write() (gen/recycle.h).
  struct Empty {
    std::string& s;
    ~Empty() {
      tornado::detail::recycle_buffer(std::move(s));
      s.clear();
    }
  } empty{write_buffer_};
  std::string_view chunk = write_buffer_;
  HTTPConnection& conn = *request_->connection;
  if (!headers_written_) {
    headers_written_ = true;
    if (std::string_view(request_->method) == "HEAD") chunk = {};
    if (rare_) {
      for (const auto& [name, cookie] : rare_->new_cookies) headers_.add("Set-Cookie", cookie);
    }
    ResponseStartLine& line = tl_start_line;
    line.code = status_code_;
    const std::string_view reason = table_reason_ ? std::string_view() : reason_;
    if (std::string_view(line.reason) != reason) line.reason = reason;
    return conn.write_headers(line, headers_, chunk);
  }
  if (std::string_view(request_->method) == "HEAD") return make_ready_future();
  return conn.write(chunk);
}

void RequestHandler::clear_representation_headers() {
  // A 304 describes a representation the client has; 204 and 1xx have none.
  defaults_intact_ = false;
  headers_.erase("Content-Encoding");
  headers_.erase("Content-Language");
  headers_.erase("Content-Type");
}

Future<void> RequestHandler::finish(std::string_view chunk) {
  if (finished_) throw std::logic_error("finish() called twice");
  if (!chunk.empty()) write(chunk);
  if (!headers_written_) {
    // Whether the handler set its own Etag or Content-Length, in one pass: the names are
    // stored normalized (set_header() and add_header() normalize them), so an exact compare
    // finds them. Fields that are still the three defaults clear() set, and nothing more (most
    // responses), hold neither: no pass then.
    bool has_etag = false;
    bool has_length = false;
    if (!defaults_intact_ || headers_.get_all().size() != 3) {
      for (const HTTPHeaders::Field& f : headers_.get_all()) {
        const std::string_view name = f.name;
        has_etag = has_etag || name == "Etag";
        has_length = has_length || name == "Content-Length";
      }
    }
    const std::string_view m = request_->method;  // a view: lengths compared before bytes
    if (status_code_ == 200 && (m == "GET" || m == "HEAD") && !has_etag) {
      // Not there yet: added, not set (set would scan the fields to erase it first).
      bool added = false;
      if (ops_ && ops_->default_etag) {
        // The class keeps RequestHandler's compute_etag(): called without the virtual call,
        // and its value (hex digits in quotes) needs neither the check nor the trim below,
        // nor a stop in an optional on its way into the field.
        headers_.add_normalized("Etag", sha1_etag());
        added = true;
      } else if (std::optional<std::string> etag = compute_etag()) {
        if (!safe_header_value(*etag)) throw std::invalid_argument("Unsafe header value");
        // A compute_etag() of the handler's own may have spaces around its value, which
        // add() would strip.
        const std::string_view trimmed = util::trim(*etag);
        if (trimmed.size() != etag->size()) etag = std::string(trimmed);
        headers_.add_normalized("Etag", std::move(*etag));
        added = true;
      }
      if (added) {
        // Compared with the value in hand rather than through check_etag_header(), which
        // would search the fields for it again; and only when the request has If-None-Match
        // (most do not), not through a call that finds it absent.
        const std::string* inm = request_->headers.find("If-None-Match");
        if (inm && etag_matches(headers_.get_all().back().value, inm)) {
          write_buffer_.clear();
          set_status(304);
        }
      }
    }
    if (status_code_ == 204 || status_code_ == 304 || (status_code_ >= 100 && status_code_ < 200)) {
      if (!write_buffer_.empty())
        throw std::logic_error("Cannot send a body with a " + std::to_string(status_code_) +
                               " response");
      clear_representation_headers();
    } else if (!has_length) {
      // std::to_string writes the digits straight into the string, where a string made from
      // a buffer of them had a memcpy call to copy two bytes.
      headers_.add_normalized("Content-Length", std::to_string(write_buffer_.size()));
    }
  }
  // The connection's close callback holds this handler: drop it first, so that the cycle
  // handler -> request -> connection -> callback is broken even when what follows throws
  // (a response shorter than its Content-Length); and once here, the dispatcher does not set
  // it again (HandlerAccess::still_running).
  request_->connection->set_close_callback({});
  finishing_ = true;
  Future<void> sent = flush();
  (void)request_->connection->finish();
  request_->finish_time = IOLoop::current().time();
  finished_ = true;
  application_->log_request(*this);
  on_finish();
  return sent;
}

std::shared_ptr<IOStream> RequestHandler::detach(std::string* unread) {
  return request_->connection->detach(unread);
}

Future<void> RequestHandler::finish(const json::Value& value) {
  write(value);
  return finish();
}

void RequestHandler::redirect(std::string_view url, bool permanent, int status) {
  if (headers_written_) throw std::logic_error("Cannot redirect after headers have been written");
  if (status == 0) status = permanent ? 301 : 302;
  if (status < 300 || status > 399) throw std::invalid_argument("redirect status must be 3xx");
  set_status(status);
  set_header("Location", url);
  (void)finish();
}

std::optional<std::string> RequestHandler::compute_etag() const { return sha1_etag(); }

namespace {

// The quotes and 40 hex digits of the body's SHA-1 into `etag`.
void write_sha1_etag(std::string_view body, char* etag) {
  const Sha1::Digest d = sha1(body);
  etag[0] = '"';
  hex_encode(d.data(), d.size(), etag + 1);
  etag[kEtagSize - 1] = '"';
}

// The ETag as a string: its 42 bytes are past a string's inline capacity, so they go into the
// storage of an earlier ETag's value (SpareFields::etag), or else of a spare string.
std::string etag_string(const char* etag) {
  std::string& kept = tl_spare_fields.etag;
  if (kept.capacity() < kEtagSize)
    return tornado::detail::recycled_string(std::string_view(etag, kEtagSize));
  std::string s = std::move(kept);
  // Mostly an ETag's value still, 42 bytes long: overwritten in place, a copy of a fixed size
  // the compiler writes out, where assign() is a call that allows for overlap.
  if (s.size() == kEtagSize) {
    std::memcpy(s.data(), etag, kEtagSize);
  } else {
    s.clear();
    s.append(etag, kEtagSize);
  }
  return s;
}

}  // namespace

std::string RequestHandler::sha1_etag() const {
  char etag[kEtagSize];
  write_sha1_etag(write_buffer_, etag);
  return etag_string(etag);
}

void RequestHandler::set_etag_header() {
  if (std::optional<std::string> etag = compute_etag()) set_header("Etag", *etag);
}

bool RequestHandler::check_etag_header() const {
  const std::string* computed = headers_.find("Etag");
  return computed && etag_matches(*computed, request_->headers.find("If-None-Match"));
}

bool RequestHandler::etag_matches(std::string_view computed, const std::string* inm) {
  if (computed.empty() || !inm) return false;
  // The entity tags in If-None-Match: "*", or a list of [W/]"..." (RFC 9110 §13.1.2).
  auto weak = [](std::string_view t) { return t.substr(0, 2) == "W/" ? t.substr(2) : t; };
  const std::string_view want = weak(computed);
  std::string_view rest = *inm;
  bool first = true;
  while (!rest.empty()) {
    const std::size_t star = rest.find('*');
    const std::size_t quote = rest.find('"');
    if (star != std::string_view::npos && (quote == std::string_view::npos || star < quote)) {
      if (first) return true;
      rest.remove_prefix(star + 1);
      continue;
    }
    if (quote == std::string_view::npos) break;
    const std::size_t end = rest.find('"', quote + 1);
    if (end == std::string_view::npos) break;
    std::size_t begin = quote;
    if (begin >= 2 && rest.substr(begin - 2, 2) == "W/") begin -= 2;
    if (weak(rest.substr(begin, end + 1 - begin)) == want) return true;
    first = false;
    rest.remove_prefix(end + 1);
  }
  return false;
}

}  // namespace tornado::web
