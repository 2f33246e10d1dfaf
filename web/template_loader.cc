// web/template_loader.cc: BaseLoader's cache, Loader (files under a folder), DictLoader.
//
// Mirrors:  tornado/template.py BaseLoader (load, reset), Loader and DictLoader
//           (resolve_path: a name relative to the template that includes or extends it).
//
// Role:     RequestHandler::render keeps one Loader per template_path; Template's linking
//           calls load() for each {% extends %} and {% include %}.
// Errors:   a file that cannot be read, or a name that includes or extends itself (directly
//           or not), is a ParseError; Tornado overflows its stack on a cycle.
// Thread:   load() and reset() take the loader's lock (recursive: a load loads others).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "tornado/web/template.h"

namespace tornado::web {

namespace {

// posixpath.normpath: "." and empty parts dropped, ".." eats its parent.
std::string normpath(std::string_view path) {
  const bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out = absolute ? "/" : "";
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

std::string dirname(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  std::string_view head = path.substr(0, slash + 1);
  while (head.size() > 1 && head.back() == '/') head.remove_suffix(1);
  return std::string(head);
}

std::string join(std::string_view a, std::string_view b) {
  if (!b.empty() && b[0] == '/') return std::string(b);
  if (a.empty() || a.back() == '/') return std::string(a) + std::string(b);
  return std::string(a) + "/" + std::string(b);
}

std::string absolute(std::string_view path) {
  if (!path.empty() && path[0] == '/') return normpath(path);
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) return normpath(path);
  return normpath(join(cwd, path));
}

bool relative_to_parent(std::string_view name, std::string_view parent) {
  return !parent.empty() && parent[0] != '<' && parent[0] != '/' &&
         (name.empty() || name[0] != '/');
}

}  // namespace

BaseLoader::BaseLoader(Options options) : options_(std::move(options)) {}
BaseLoader::~BaseLoader() = default;

std::shared_ptr<const Template> BaseLoader::load(std::string_view name,
                                                 std::string_view parent_path) {
  const std::string resolved = resolve_path(name, parent_path);
  std::lock_guard<std::recursive_mutex> guard(lock_);
  if (auto it = templates_.find(resolved); it != templates_.end()) return it->second;
  for (const std::string& loading : loading_) {
    if (loading == resolved) {
      throw ParseError("template " + resolved + " includes or extends itself",
                       std::string(parent_path), 0);
    }
  }
  loading_.push_back(resolved);
  std::shared_ptr<const Template> t;
  try {
    t = create_template(resolved);
  } catch (...) {
    loading_.pop_back();
    throw;
  }
  loading_.pop_back();
  templates_[resolved] = t;
  return t;
}

void BaseLoader::reset() {
  std::lock_guard<std::recursive_mutex> guard(lock_);
  templates_.clear();
}

Loader::Loader(std::string root_directory, Options options)
    : BaseLoader(std::move(options)), root_(absolute(root_directory)) {}

std::string Loader::resolve_path(std::string_view name, std::string_view parent_path) const {
  if (!relative_to_parent(name, parent_path)) return std::string(name);
  const std::string file_dir = dirname(absolute(join(root_, parent_path)));
  const std::string relative = absolute(join(file_dir, name));
  if (relative.starts_with(root_) && relative.size() > root_.size()) {
    return relative.substr(root_.size() + 1);
  }
  return std::string(name);
}

std::shared_ptr<const Template> Loader::create_template(const std::string& name) {
  const std::string path = join(root_, name);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw ParseError(std::string(std::strerror(errno)) + ": '" + path + "'", name, 0);
  }
  std::string source;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      if (n < 0) throw ParseError(std::string(std::strerror(err)) + ": '" + path + "'", name, 0);
      break;
    }
    source.append(buf, static_cast<std::size_t>(n));
  }
  return std::make_shared<const Template>(source, name, this);
}

DictLoader::DictLoader(std::map<std::string, std::string> sources, Options options)
    : BaseLoader(std::move(options)), sources_(std::move(sources)) {}

std::string DictLoader::resolve_path(std::string_view name, std::string_view parent_path) const {
  if (!relative_to_parent(name, parent_path)) return std::string(name);
  return normpath(join(dirname(parent_path), name));
}

std::shared_ptr<const Template> DictLoader::create_template(const std::string& name) {
  auto it = sources_.find(name);
  if (it == sources_.end()) throw ParseError("KeyError: '" + name + "'", name, 0);
  return std::make_shared<const Template>(it->second, name, this);
}

}  // namespace tornado::web
