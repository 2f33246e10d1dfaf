// web/template.cc: Template (linking extends, blocks and includes; rendering), Namespace.
//
// Mirrors:  tornado/template.py Template (_get_ancestors, find_named_blocks, generate) and
//           the code its _CodeWriter emits, interpreted here instead of compiled to Python.
//
// Role:     a Template parses its file (template_lexer.cc), then links it as Tornado compiles
//           it: the chain of {% extends %} is loaded, each {% block %} name is bound to the
//           most derived definition, and each {% include %} is loaded, so that every file
//           error appears when the template is built. generate() walks the root ancestor's
//           nodes with one variable frame (Tornado's one generated function; an {% apply %}
//           body is a nested function with a frame of its own).
// Errors:   at render, an EvalError (or any std::exception from a C++ function) becomes a
//           TemplateError naming the file and line of the node that raised it.
#include <string>

#include "tornado/http/escape.h"
#include "tornado/web/template_builtins.h"

namespace tornado::web {

using namespace template_detail;  // NOLINT: this file is the module's core

TemplateError::TemplateError(const std::string& message, std::string filename, int lineno)
    : std::runtime_error(message + " at " + filename + ":" + std::to_string(lineno)),
      message_(message),
      filename_(std::move(filename)),
      lineno_(lineno) {}

// --- Namespace --------------------------------------------------------------------------------

Namespace& Namespace::set(std::string_view name, json::Value value) {
  functions_.erase(std::string(name));
  for (auto& [n, v] : values_) {
    if (n == name) {
      v = std::move(value);
      return *this;
    }
  }
  values_.emplace_back(std::string(name), std::move(value));
  return *this;
}

Namespace& Namespace::set_function(std::string_view name, TemplateFunction f) {
  std::erase_if(values_, [&](const auto& member) { return member.first == name; });
  functions_[std::string(name)] = std::move(f);
  return *this;
}

void Namespace::update(const Namespace& other) {
  for (const auto& [n, v] : other.values_) set(n, v);
  for (const auto& [n, f] : other.functions_) set_function(n, f);
}

const json::Value* Namespace::find(std::string_view name) const {
  for (const auto& [n, v] : values_) {
    if (n == name) return &v;
  }
  return nullptr;
}

const TemplateFunction* Namespace::find_function(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

// --- Template ---------------------------------------------------------------------------------

using Names = std::set<std::string, std::less<>>;

struct BlockRef {
  const Node* node;
  const Template::Impl* owner;
};

struct Template::Impl {
  std::string name;
  ParsedFile file;
  Namespace loader_names;
  bool has_loader = false;
  // The files this one extends, nearest first; the last is the root that is rendered.
  std::vector<std::shared_ptr<const Template>> ancestors;
  std::map<std::string, BlockRef, std::less<>> blocks;
  Names locals;                               // assigned in the main body
  std::map<const Node*, Names> apply_locals;  // assigned in each {% apply %} body

  const Impl& root() const { return ancestors.empty() ? *this : ancestors.back()->impl(); }
};

namespace {

// Loads a template named by a tag, blaming the tag for a file that cannot be read.
std::shared_ptr<const Template> load_for(BaseLoader* loader, const Node& n, const std::string& from,
                                         const char* what) {
  if (!loader) {
    throw ParseError(std::string("{% ") + what + " %} block found, but no template loader", from,
                     n.line);
  }
  try {
    return loader->load(n.text, from);
  } catch (const ParseError& e) {
    if (e.lineno() != 0) throw;
    throw ParseError(e.message(), from, n.line);
  }
}

// Every include in a body (and below), loaded; extends not at the top level refused.
void link_includes(Body& body, BaseLoader* loader, const std::string& from, bool top) {
  for (Node& n : body) {
    if (n.kind == NodeKind::kInclude) n.target = load_for(loader, n, from, "include");
    if (n.kind == NodeKind::kExtends && !top) {
      throw ParseError("{% extends %} must be at the top level of the file", from, n.line);
    }
    link_includes(n.body, loader, from, false);
    link_includes(n.orelse, loader, from, false);
    for (Branch& b : n.branches) link_includes(b.body, loader, from, false);
  }
}

void find_blocks(const Body& body, const Template::Impl& owner,
                 std::map<std::string, BlockRef, std::less<>>& blocks, int depth) {
  if (depth > kMaxNesting) throw ParseError("includes nested too deeply", owner.name, 0);
  for (const Node& n : body) {
    if (n.kind == NodeKind::kBlock) blocks[n.text] = BlockRef{&n, &owner};
    if (n.kind == NodeKind::kInclude) {
      find_blocks(n.target->impl().file.body, n.target->impl(), blocks, depth + 1);
    }
    find_blocks(n.body, owner, blocks, depth);
    find_blocks(n.orelse, owner, blocks, depth);
    for (const Branch& b : n.branches) find_blocks(b.body, owner, blocks, depth);
  }
}

// The names each function assigns, walking the code as it will run (blocks replaced by their
// final definition, includes inlined), as Python decides which names are local.
void find_locals(const Body& body, Template::Impl& t, Names& into, int depth) {
  if (depth > kMaxNesting) throw ParseError("includes nested too deeply", t.name, 0);
  for (const Node& n : body) {
    switch (n.kind) {
      case NodeKind::kSet:
      case NodeKind::kFor:
        into.insert(n.targets.begin(), n.targets.end());
        break;
      case NodeKind::kInclude:
        find_locals(n.target->impl().file.body, t, into, depth + 1);
        break;
      case NodeKind::kBlock: {
        const BlockRef& ref = t.blocks.at(n.text);
        find_locals(ref.node->body, t, into, depth + 1);
        continue;
      }
      case NodeKind::kApply: {
        Names& own = t.apply_locals[&n];
        find_locals(n.body, t, own, depth + 1);
        continue;
      }
      default:
        break;
    }
    find_locals(n.body, t, into, depth);
    find_locals(n.orelse, t, into, depth);
    for (const Branch& b : n.branches) find_locals(b.body, t, into, depth);
  }
}

enum class Flow { kNormal, kBreak, kContinue };

class Renderer {
 public:
  Renderer(const Template::Impl& compiled, Scope scope) : compiled_(compiled), scope_(scope) {}

  Flow render(const Body& body, const Template::Impl& current, std::string& out) {
    for (const Node& n : body) {
      try {
        Flow f = render_node(n, current, out);
        if (f != Flow::kNormal) return f;
      } catch (const TemplateError&) {
        throw;
      } catch (const std::exception& e) {
        throw TemplateError(e.what(), current.name, n.line);
      }
    }
    return Flow::kNormal;
  }

 private:
  Flow render_node(const Node& n, const Template::Impl& current, std::string& out);
  void write_expr(const Node& n, const Template::Impl& current, std::string& out);
  Flow render_for(const Node& n, const Template::Impl& current, std::string& out);
  void render_apply(const Node& n, const Template::Impl& current, std::string& out);
  void assign(const std::vector<std::string>& targets, const Val& v);

  const Template::Impl& compiled_;
  Scope scope_;
};

void Renderer::write_expr(const Node& n, const Template::Impl& current, std::string& out) {
  Val v = evaluate(n.expr, scope_);
  const std::string& escape_with = current.file.autoescape;
  if (n.raw || escape_with.empty()) {
    append_str(out, v.get());
    return;
  }
  std::string text;
  if (v.get().is_string()) {
    if (escape_with == "xhtml_escape" && !scope_.values->find(escape_with) &&
        !scope_.values->find_function(escape_with) &&
        !current.loader_names.find_function(escape_with)) {
      out += escape::xhtml_escape(v.get().as_string());
      return;
    }
    text = v.get().as_string();
  } else {
    append_str(text, v.get());
  }
  out += call_filter(escape_with, std::move(text), scope_);
}

void Renderer::assign(const std::vector<std::string>& targets, const Val& v) {
  if (targets.size() == 1) {
    scope_.frame->bind(targets[0], v);
    return;
  }
  std::vector<Val> items = iterate(v);
  if (items.size() != targets.size()) {
    throw EvalError(
        items.size() < targets.size()
            ? "not enough values to unpack (expected " + std::to_string(targets.size()) + ", got " +
                  std::to_string(items.size()) + ")"
            : "too many values to unpack (expected " + std::to_string(targets.size()) + ")");
  }
  for (std::size_t i = 0; i < targets.size(); ++i) scope_.frame->bind(targets[i], items[i]);
}

Flow Renderer::render_for(const Node& n, const Template::Impl& current, std::string& out) {
  const std::vector<Val> items = iterate(evaluate(n.expr, scope_));
  for (const Val& item : items) {
    assign(n.targets, item);
    if (render(n.body, current, out) == Flow::kBreak) return Flow::kNormal;
  }
  // A break or continue in the else part belongs to the enclosing loop.
  return render(n.orelse, current, out);
}

void Renderer::render_apply(const Node& n, const Template::Impl& current, std::string& out) {
  Frame inner;
  inner.locals = &compiled_.apply_locals.at(&n);
  inner.parent = scope_.frame;
  Frame* outer = scope_.frame;
  scope_.frame = &inner;
  std::string body;
  try {
    render(n.body, current, body);
  } catch (...) {
    scope_.frame = outer;
    throw;
  }
  scope_.frame = outer;
  out += call_filter(n.text, std::move(body), scope_);
}

Flow Renderer::render_node(const Node& n, const Template::Impl& current, std::string& out) {
  switch (n.kind) {
    case NodeKind::kText:
      out += n.text;
      break;
    case NodeKind::kExpr:
      write_expr(n, current, out);
      break;
    case NodeKind::kIf:
      for (const Branch& b : n.branches) {
        bool taken = false;
        try {
          taken = truthy(evaluate(b.condition, scope_).get());
        } catch (const std::exception& e) {
          throw TemplateError(e.what(), current.name, b.line);
        }
        if (taken) return render(b.body, current, out);
      }
      return render(n.orelse, current, out);
    case NodeKind::kFor:
      return render_for(n, current, out);
    case NodeKind::kWhile:
      while (truthy(evaluate(n.expr, scope_).get())) {
        if (render(n.body, current, out) == Flow::kBreak) return Flow::kNormal;
      }
      return render(n.orelse, current, out);
    case NodeKind::kSet: {
      Val v = evaluate(n.expr, scope_);
      if (!n.text.empty()) {
        Expr name;
        name.kind = ExprKind::kName;
        name.name = n.targets[0];
        const Op op = n.text == "+" ? Op::kAdd : n.text == "-" ? Op::kSub : Op::kMul;
        v = Val::own(binary(op, evaluate(name, scope_).get(), v.get()));
      }
      assign(n.targets, v);
      break;
    }
    case NodeKind::kInclude:
      return render(n.target->impl().file.body, n.target->impl(), out);
    case NodeKind::kBlock: {
      const BlockRef& ref = compiled_.blocks.at(n.text);
      return render(ref.node->body, *ref.owner, out);
    }
    case NodeKind::kApply:
      render_apply(n, current, out);
      break;
    case NodeKind::kBreak:
      return Flow::kBreak;
    case NodeKind::kContinue:
      return Flow::kContinue;
    case NodeKind::kExtends:
      break;
  }
  return Flow::kNormal;
}

std::string default_whitespace(const std::string& name, const BaseLoader* loader) {
  if (loader && !loader->options().whitespace.empty()) return loader->options().whitespace;
  return name.ends_with(".html") || name.ends_with(".js") ? "single" : "all";
}

}  // namespace

Template::Template(std::string_view source, std::string name, BaseLoader* loader,
                   TemplateOptions options)
    : impl_(std::make_unique<Impl>()) {
  Impl& t = *impl_;
  t.name = std::move(name);
  const std::string whitespace =
      options.whitespace.empty() ? default_whitespace(t.name, loader) : options.whitespace;
  try {
    filter_whitespace(whitespace, "");
  } catch (const std::invalid_argument& e) {
    throw ParseError(e.what(), t.name, 0);
  }
  if (!escape::utf8_valid(source)) throw ParseError("template is not valid UTF-8", t.name, 0);
  std::string autoescape = options.autoescape ? *options.autoescape
                           : loader           ? loader->options().autoescape
                                              : "xhtml_escape";
  t.file = parse_template(source, t.name, std::move(autoescape), whitespace);
  t.has_loader = loader != nullptr;
  if (loader) t.loader_names = loader->options().names;
  link_includes(t.file.body, loader, t.name, true);
  for (const Node& n : t.file.body) {
    if (n.kind != NodeKind::kExtends) continue;
    auto parent = load_for(loader, n, t.name, "extends");
    t.ancestors.push_back(parent);
    const auto& more = parent->impl().ancestors;
    t.ancestors.insert(t.ancestors.end(), more.begin(), more.end());
  }
  for (auto it = t.ancestors.rbegin(); it != t.ancestors.rend(); ++it) {
    find_blocks((*it)->impl().file.body, (*it)->impl(), t.blocks, 0);
  }
  find_blocks(t.file.body, t, t.blocks, 0);
  find_locals(t.root().file.body, t, t.locals, 0);
  if (t.file.expression_error) std::rethrow_exception(t.file.expression_error);
}

Template::~Template() = default;

const std::string& Template::name() const { return impl_->name; }
const std::string& Template::autoescape() const { return impl_->file.autoescape; }

std::string Template::generate(const Namespace& values) const {
  const Impl& t = *impl_;
  Frame frame;
  frame.locals = &t.locals;
  Scope scope;
  scope.frame = &frame;
  scope.values = &values;
  scope.loader_names = t.has_loader ? &t.loader_names : nullptr;
  std::string out;
  Renderer(t, scope).render(t.root().file.body, t.root(), out);
  return out;
}

}  // namespace tornado::web
