// web/web_template.cc: RequestHandler's templates: render, render_string and the names a
// handler's templates see; the Application's loader per template folder.
//
// Mirrors:  tornado/web.py RequestHandler.render, render_string, get_template_namespace,
//           get_template_path, create_template_loader (with the autoescape,
//           template_whitespace and compiled_template_cache settings).
//
// Role:     a handler method calls render("page.html", values); the template is loaded
//           through Application::template_loader and rendered to the response. Errors escape
//           as exceptions, which the handler's request sequence turns into a 500 with a log
//           line (and, with debug, the message on the page) naming the template and line.
// Thread:   the loop thread.
#include <string>

#include "tornado/web/web.h"

namespace tornado::web {

BaseLoader& Application::template_loader(const std::string& template_path) {
  auto it = template_loaders_.find(template_path);
  if (it == template_loaders_.end()) {
    BaseLoader::Options options;
    options.autoescape = settings_.autoescape;
    options.whitespace = settings_.template_whitespace;
    it = template_loaders_.emplace(template_path, std::make_unique<Loader>(template_path, options))
             .first;
  }
  if (!settings_.compiled_template_cache.value_or(!settings_.debug)) it->second->reset();
  return *it->second;
}

std::string RequestHandler::get_template_path() const { return settings().template_path; }

namespace {

json::Value request_value(const HTTPServerRequest& r) {
  json::Object headers;
  for (const auto& f : r.headers.get_all()) headers.emplace_back(f.name, f.value);
  return json::Object{
      {"method", r.method},     {"uri", r.uri},         {"path", r.path},
      {"query", r.query},       {"version", r.version}, {"remote_ip", r.remote_ip},
      {"protocol", r.protocol}, {"host", r.host},       {"headers", std::move(headers)}};
}

std::string string_arg(const std::vector<json::Value>& args, std::size_t i, const char* f) {
  if (i >= args.size() || !args[i].is_string()) {
    throw std::invalid_argument(std::string(f) + "() takes a string argument here");
  }
  return args[i].as_string();
}

}  // namespace

Namespace RequestHandler::get_template_namespace() {
  Namespace ns;
  ns.set("request", request_value(request()));
  const std::optional<std::string> user = current_user();
  ns.set("current_user", user ? json::Value(*user) : json::Value(nullptr));
  // The handler outlives every render it starts: the functions capture it by pointer.
  ns.set_function("static_url", [this](const std::vector<json::Value>& a) {
    return json::Value(static_url(string_arg(a, 0, "static_url")));
  });
  ns.set_function("xsrf_form_html", [this](const std::vector<json::Value>&) {
    return json::Value(xsrf_form_html());
  });
  ns.set_function("reverse_url", [this](const std::vector<json::Value>& a) {
    std::vector<std::string> args;
    for (std::size_t i = 1; i < a.size(); ++i) {
      std::string s;
      if (a[i].is_string())
        s = a[i].as_string();
      else
        s = json::encode(a[i]);
      args.push_back(std::move(s));
    }
    return json::Value(reverse_url(string_arg(a, 0, "reverse_url"), args));
  });
  return ns;
}

std::string RequestHandler::render_string(std::string_view template_name, const Namespace& values) {
  const std::string path = get_template_path();
  std::shared_ptr<const Template> t = application().template_loader(path).load(template_name);
  // The class's own namespace when it declares one (url<H> recorded it), else the base's.
  Namespace ns =
      ops_ && ops_->template_namespace ? ops_->template_namespace(*this) : get_template_namespace();
  ns.update(values);
  return t->generate(ns);
}

Future<void> RequestHandler::render(std::string_view template_name, const Namespace& values) {
  if (finished_) throw std::logic_error("Cannot render() after finish()");
  return finish(render_string(template_name, values));
}

}  // namespace tornado::web
