// web/template.h: Tornado's template language, parsed once into a tree and rendered against
// values.
//
// Mirrors:  tornado/template.py (Template, BaseLoader, Loader, DictLoader, ParseError,
//           filter_whitespace).
//
//   tornado::web::Loader loader("templates");
//   auto t = loader.load("page.html");      // {% extends "base.html" %}{% block body %}...
//   std::string html = t->generate({{"title", "Hi"}, {"items", tornado::json::Array{1, 2}}});
//
//   tornado::web::Template t2("{{ greet(name) }}!");
//   tornado::web::Namespace ns{{"name", "<Bob>"}};
//   ns.set_function("greet", [](const std::vector<tornado::json::Value>& a) {
//     return tornado::json::Value("Hello, " + a.at(0).as_string());
//   });
//   t2.generate(ns);                        // "Hello, &lt;Bob&gt;!"
//
// Language: {{ expr }} (autoescaped), {% raw expr %}, {% autoescape NAME|None %}, {% if %}
//           {% elif %} {% else %} {% end %}, {% for x in xs %} (with {% else %}, break,
//           continue), {% while %}, {% set x = expr %}, {% include "f" %}, {% extends "f" %}
//           with {% block name %}, {% apply f %}, {% comment ... %}, {# ... #},
//           {% whitespace all|single|oneline %}, {{! and {%! for literal delimiters.
//           Expressions are a small, safe subset of Python (man tornado.template): no
//           statement, import or attribute of the host can be reached from a template.
// Values:   a template sees json::Values (objects are dicts, arrays lists) and the C++
//           functions put in its Namespace. Output is what Python's str() gives each value.
// Role:     RequestHandler::render loads templates through a Loader per template_path; the
//           template_render demo renders one from the shell.
// Errors:   a syntax error throws ParseError at construction (or load) naming the file and
//           line; an error while rendering (unknown name, wrong type, missing key) throws
//           TemplateError naming the file and line of the expression.
// Thread:   a Template is immutable once built: any thread may render it. A loader's cache is
//           guarded by a lock.
// See:      man tornado.template.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tornado/http/json.h"

namespace tornado::web {

// An error in a template: the message, and the file and line it comes from. what() is
// "message at filename:lineno", as Tornado's ParseError prints.
class TemplateError : public std::runtime_error {
 public:
  TemplateError(const std::string& message, std::string filename, int lineno);
  const std::string& message() const { return message_; }
  const std::string& filename() const { return filename_; }
  int lineno() const { return lineno_; }

 private:
  std::string message_;
  std::string filename_;
  int lineno_;
};

// A syntax error, found when the template is built (Tornado's template.ParseError).
class ParseError : public TemplateError {
 public:
  using TemplateError::TemplateError;
};

// A C++ function a template may call: it gets the evaluated arguments and returns a value.
// It may throw std::exception: the render fails with the template's name and line.
using TemplateFunction = std::function<json::Value(const std::vector<json::Value>& args)>;

// The names a template sees, besides its own {% set %} and loop variables: values, and
// functions. Looked up by name, values first.
class Namespace {
 public:
  Namespace() = default;
  Namespace(json::Object values) : values_(std::move(values)) {}  // NOLINT: implicit on purpose
  Namespace(std::initializer_list<std::pair<std::string, json::Value>> values) : values_(values) {}

  // Adds or replaces.
  Namespace& set(std::string_view name, json::Value value);
  Namespace& set_function(std::string_view name, TemplateFunction f);
  // Adds every value and function of `other`, replacing those of the same name.
  void update(const Namespace& other);

  const json::Value* find(std::string_view name) const;
  const TemplateFunction* find_function(std::string_view name) const;
  const json::Object& values() const { return values_; }

 private:
  json::Object values_;
  std::map<std::string, TemplateFunction, std::less<>> functions_;
};

// Whitespace handling of a template's text (Tornado's filter_whitespace): "all" keeps it,
// "single" collapses runs of spaces and tabs to one space and runs holding a newline to one
// newline, "oneline" collapses every run to one space. Throws std::invalid_argument for
// another mode.
std::string filter_whitespace(std::string_view mode, std::string_view text);

class BaseLoader;

struct TemplateOptions {
  // The escape function's name for {{ }}, "" for none (Tornado's None). Unset: the loader's,
  // or "xhtml_escape".
  std::optional<std::string> autoescape;
  // "all", "single", "oneline". Empty: the loader's, else "single" for names ending in .html
  // or .js and "all" for others (Tornado's defaults).
  std::string whitespace;
};

class Template {
 public:
  // Parses `source` (throws ParseError). With a loader, {% extends %} and {% include %}
  // resolve through it (and are loaded now, as Tornado compiles them in).
  explicit Template(std::string_view source, std::string name = "<string>",
                    BaseLoader* loader = nullptr, TemplateOptions options = {});
  ~Template();
  Template(const Template&) = delete;
  Template& operator=(const Template&) = delete;

  // Renders with these names (and the loader's namespace beneath them). Throws TemplateError.
  std::string generate(const Namespace& values = {}) const;

  const std::string& name() const;
  // The escape function's name after parsing ("" when {% autoescape None %}).
  const std::string& autoescape() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Loads templates by name, once: later loads return the cached Template until reset().
class BaseLoader {
 public:
  struct Options {
    std::string autoescape = "xhtml_escape";  // "" for none
    Namespace names;                          // beneath the values given to generate
    std::string whitespace;                   // empty: by file name
  };
  explicit BaseLoader(Options options);
  virtual ~BaseLoader();
  BaseLoader(const BaseLoader&) = delete;
  BaseLoader& operator=(const BaseLoader&) = delete;

  // `parent_path` is the name of the template that includes or extends this one: a relative
  // name resolves against its folder. Throws ParseError (also when the file is missing).
  std::shared_ptr<const Template> load(std::string_view name, std::string_view parent_path = {});
  // Forgets the cached templates (those already handed out stay valid).
  void reset();
  virtual std::string resolve_path(std::string_view name, std::string_view parent_path) const = 0;

  const Options& options() const { return options_; }

 protected:
  // Reads and parses the template `name` (already resolved).
  virtual std::shared_ptr<const Template> create_template(const std::string& name) = 0;

 private:
  Options options_;
  std::recursive_mutex lock_;
  std::map<std::string, std::shared_ptr<const Template>, std::less<>> templates_;
  std::vector<std::string> loading_;  // names being loaded: a cycle is an error
};

// Templates from files under one folder (Tornado's Loader).
class Loader : public BaseLoader {
 public:
  explicit Loader(std::string root_directory, Options options = {});
  std::string resolve_path(std::string_view name, std::string_view parent_path) const override;
  const std::string& root() const { return root_; }

 protected:
  std::shared_ptr<const Template> create_template(const std::string& name) override;

 private:
  std::string root_;
};

// Templates from a map of name -> source (Tornado's DictLoader), for tests and small programs.
class DictLoader : public BaseLoader {
 public:
  explicit DictLoader(std::map<std::string, std::string> sources, Options options = {});
  std::string resolve_path(std::string_view name, std::string_view parent_path) const override;

 protected:
  std::shared_ptr<const Template> create_template(const std::string& name) override;

 private:
  std::map<std::string, std::string> sources_;
};

}  // namespace tornado::web
