// stream/regex_match.cc: the library's own regex matcher, in place of libc's regcomp and
// regexec (which weigh some 70 KiB in a static program, and follow POSIX's leftmost-longest
// rule where Tornado's users write patterns for Python's leftmost-first one).
//
// Mirrors:  the matching of Python's re module for the subset regex_translate.cc lets through:
//           re.fullmatch for routes, re.search(...).end() for read_until_regex.
// Role:     a Parser reads the text translate() produced into a small tree; emit() turns
//           the tree into a program (characters, classes, splits that prefer their first
//           target, jumps, group saves, anchors). match() runs the program by backtracking,
//           marking each (instruction, position) pair it enters. A pair entered once is never
//           entered again: if it led to a match the run is over, if not it cannot lead to one
//           the second time either (nothing in the subset looks back at the captures). So a
//           match costs at most program size times text length steps, whatever the pattern
//           (the classic exponential case (a*)*b included), and the first match found is the
//           one Python's backtracking finds. search() runs the same program as a breadth-first
//           simulation over the text (one list of threads per position, kept in the order
//           backtracking would try them), so that its memory stays in the program's size for
//           a stream's buffer of any length.
// Thread:   a Matcher is immutable once built; match() and search() keep their state local.
#include <cstring>
#include <limits>

#include "tornado/stream/regex.h"

namespace tornado::regex {
namespace {

using Inst = Matcher::Inst;
using Op = Matcher::Op;
using CharSet = Matcher::CharSet;

constexpr int kInf = -1;
constexpr int kMaxCount = 1000;  // the largest {m,n} bound taken

struct Node {
  enum class Kind : unsigned char { kChar, kAny, kSet, kCat, kAlt, kRepeat, kGroup, kBol, kEol };
  explicit Node(Kind k) : kind(k) {}
  Kind kind;
  unsigned char c = 0;
  std::uint32_t index = 0;  // kSet: the set; kGroup: the group
  int min = 0, max = 0;     // kRepeat
  std::vector<std::size_t> kids;
};

bool in_posix_class(std::string_view name, unsigned char ch) {
  const bool upper = ch >= 'A' && ch <= 'Z', lower = ch >= 'a' && ch <= 'z';
  const bool digit = ch >= '0' && ch <= '9';
  if (name == "space") return ch == ' ' || (ch >= '\t' && ch <= '\r');
  if (name == "digit") return digit;
  if (name == "alpha") return upper || lower;
  if (name == "alnum") return upper || lower || digit;
  if (name == "upper") return upper;
  if (name == "lower") return lower;
  if (name == "xdigit") return digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
  if (name == "punct") return ch > ' ' && ch < 127 && !upper && !lower && !digit;
  return false;
}

bool known_posix_class(std::string_view name) {
  for (const char* n : {"space", "digit", "alpha", "alnum", "upper", "lower", "xdigit", "punct"})
    if (name == n) return true;
  return false;
}

class Parser {
 public:
  Parser(const std::string& label, std::string_view ere) : label_(label), ere_(ere) {}

  std::size_t run() {
    const std::size_t root = alt();
    if (i_ < ere_.size()) refuse(label_, "unbalanced )");
    return root;
  }

  std::vector<Node> nodes;
  std::vector<CharSet> sets;
  std::uint32_t groups = 0;

 private:
  std::size_t add(Node n) {
    nodes.push_back(std::move(n));
    return nodes.size() - 1;
  }

  std::size_t alt() {
    Node n(Node::Kind::kAlt);
    n.kids.push_back(cat());
    while (i_ < ere_.size() && ere_[i_] == '|') {
      ++i_;
      n.kids.push_back(cat());
    }
    if (n.kids.size() == 1) return n.kids[0];
    return add(std::move(n));
  }

  std::size_t cat() {
    Node n(Node::Kind::kCat);
    while (i_ < ere_.size() && ere_[i_] != '|' && ere_[i_] != ')') n.kids.push_back(repeat());
    return add(std::move(n));
  }

  static bool is_quantifier(char c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

  std::size_t repeat() {
    const std::size_t atom_node = atom();
    if (i_ >= ere_.size() || !is_quantifier(ere_[i_])) return atom_node;
    Node n(Node::Kind::kRepeat);
    n.kids.push_back(atom_node);
    const char q = ere_[i_++];
    if (q == '*') {
      n.min = 0, n.max = kInf;
    } else if (q == '+') {
      n.min = 1, n.max = kInf;
    } else if (q == '?') {
      n.min = 0, n.max = 1;
    } else {
      counts(n);
    }
    if (i_ < ere_.size() && is_quantifier(ere_[i_])) refuse(label_, "multiple repeat");
    return add(std::move(n));
  }

  // "{m}", "{m,}", "{,n}" or "{m,n}", the "{" already read.
  void counts(Node& n) {
    const int m = number();
    n.min = m < 0 ? 0 : m;
    if (i_ < ere_.size() && ere_[i_] == ',') {
      ++i_;
      n.max = number();  // none: unbounded (kInf)
    } else {
      if (m < 0) refuse(label_, "bad {m,n} repeat");
      n.max = m;
    }
    if (i_ >= ere_.size() || ere_[i_] != '}') refuse(label_, "bad {m,n} repeat");
    ++i_;
    if (n.max != kInf && n.max < n.min) refuse(label_, "bad {m,n} repeat: m > n");
  }

  // Decimal digits at i_, or -1 when there are none.
  int number() {
    int v = -1;
    while (i_ < ere_.size() && ere_[i_] >= '0' && ere_[i_] <= '9') {
      v = (v < 0 ? 0 : v) * 10 + (ere_[i_++] - '0');
      if (v > kMaxCount) refuse(label_, "repeat count over 1000");
    }
    return v;
  }

  std::size_t atom() {
    const char c = ere_[i_++];
    switch (c) {
      case '(': {
        Node g(Node::Kind::kGroup);
        g.index = groups++;
        g.kids.push_back(alt());
        if (i_ >= ere_.size() || ere_[i_] != ')') refuse(label_, "missing )");
        ++i_;
        return add(std::move(g));
      }
      case '[':
        return bracket();
      case '.':
        return add(Node(Node::Kind::kAny));
      case '^':
        return add(Node(Node::Kind::kBol));
      case '$':
        return add(Node(Node::Kind::kEol));
      case '*':
      case '+':
      case '?':
      case '{':
        refuse(label_, "nothing to repeat");
      case '\\':
        if (i_ >= ere_.size()) refuse(label_, "ends with a lone backslash");
        return literal(ere_[i_++]);
      default:
        return literal(c);
    }
  }

  std::size_t literal(char c) {
    Node n(Node::Kind::kChar);
    n.c = static_cast<unsigned char>(c);
    return add(std::move(n));
  }

  // "[...]" as translate() writes it: "^" first negates, a first "]" is literal, ranges a-z,
  // [:class:] items, every other character (backslash included) stands for itself.
  std::size_t bracket() {
    CharSet set;
    const bool negate = i_ < ere_.size() && ere_[i_] == '^';
    if (negate) ++i_;
    for (bool first = true;; first = false) {
      if (i_ >= ere_.size()) refuse(label_, "unterminated [");
      const auto ch = static_cast<unsigned char>(ere_[i_]);
      if (ch == ']' && !first) break;
      if (ch == '[' && i_ + 1 < ere_.size() && ere_[i_ + 1] == ':') {
        const std::size_t end = ere_.find(":]", i_ + 2);
        if (end == std::string_view::npos) refuse(label_, "unterminated [: class");
        const std::string_view name = ere_.substr(i_ + 2, end - i_ - 2);
        if (!known_posix_class(name)) refuse(label_, "unknown [: class");
        for (unsigned v = 0; v < 256; ++v)
          if (in_posix_class(name, static_cast<unsigned char>(v)))
            set.add(static_cast<unsigned char>(v));
        i_ = end + 2;
        continue;
      }
      ++i_;
      unsigned hi = ch;
      if (i_ + 1 < ere_.size() && ere_[i_] == '-' && ere_[i_ + 1] != ']') {
        hi = static_cast<unsigned char>(ere_[i_ + 1]);
        if (hi < ch) refuse(label_, "bad character range");
        i_ += 2;
      }
      for (unsigned v = ch; v <= hi; ++v) set.add(static_cast<unsigned char>(v));
    }
    ++i_;
    if (negate)
      for (std::uint32_t& w : set.bits) w = ~w;
    Node n(Node::Kind::kSet);
    n.index = static_cast<std::uint32_t>(sets.size());
    sets.push_back(set);
    return add(std::move(n));
  }

  const std::string& label_;
  std::string_view ere_;
  std::size_t i_ = 0;
};

class Emitter {
 public:
  Emitter(const std::string& label, const std::vector<Node>& nodes,
          const std::vector<char>& capturing, std::vector<Inst>& prog)
      : label_(label), nodes_(nodes), capturing_(capturing), prog_(prog) {}

  void emit(std::size_t id) {
    const Node& n = nodes_[id];
    switch (n.kind) {
      case Node::Kind::kChar:
        put({Op::kChar, n.c, 0, 0});
        break;
      case Node::Kind::kAny:
        put({Op::kAny, 0, 0, 0});
        break;
      case Node::Kind::kSet:
        put({Op::kClass, 0, n.index, 0});
        break;
      case Node::Kind::kBol:
        put({Op::kBol, 0, 0, 0});
        break;
      case Node::Kind::kEol:
        put({Op::kEol, 0, 0, 0});
        break;
      case Node::Kind::kCat:
        for (std::size_t k : n.kids) emit(k);
        break;
      case Node::Kind::kGroup: {
        const bool cap = n.index < capturing_.size() && capturing_[n.index];
        if (cap) put({Op::kSave, 0, 2 * n.index, 0});
        emit(n.kids[0]);
        if (cap) put({Op::kSave, 0, 2 * n.index + 1, 0});
        break;
      }
      case Node::Kind::kAlt:
        alternation(n);
        break;
      case Node::Kind::kRepeat:
        repetition(n);
        break;
    }
  }

  std::uint32_t here() const { return static_cast<std::uint32_t>(prog_.size()); }

  void put(Inst inst) {
    if (prog_.size() >= Matcher::kMaxProgram) refuse(label_, "too large once repeats expand");
    prog_.push_back(inst);
  }

 private:
  // a|b|c: split to a, else to the next split; each alternative jumps past the others.
  void alternation(const Node& n) {
    std::vector<std::uint32_t> exits;
    for (std::size_t k = 0; k + 1 < n.kids.size(); ++k) {
      const std::uint32_t split = here();
      put({Op::kSplit, 0, split + 1, 0});
      emit(n.kids[k]);
      exits.push_back(here());
      put({Op::kJmp, 0, 0, 0});
      prog_[split].y = here();
    }
    emit(n.kids.back());
    for (std::uint32_t e : exits) prog_[e].x = here();
  }

  // x{m,n}: m copies of x, then n-m nested optional ones (x(x(x)?)?)?, or a loop for no bound;
  // each split prefers another x (greedy).
  void repetition(const Node& n) {
    for (int k = 0; k < n.min; ++k) emit(n.kids[0]);
    if (n.max == kInf) {
      const std::uint32_t loop = here();
      put({Op::kSplit, 0, loop + 1, 0});
      emit(n.kids[0]);
      put({Op::kJmp, 0, loop, 0});
      prog_[loop].y = here();
      return;
    }
    std::vector<std::uint32_t> splits;
    for (int k = n.min; k < n.max; ++k) {
      splits.push_back(here());
      put({Op::kSplit, 0, here() + 1, 0});
      emit(n.kids[0]);
    }
    for (std::uint32_t s : splits) prog_[s].y = here();
  }

  const std::string& label_;
  const std::vector<Node>& nodes_;
  const std::vector<char>& capturing_;
  std::vector<Inst>& prog_;
};

constexpr std::uint32_t kUnset = std::numeric_limits<std::uint32_t>::max();

// One entry of the backtracking stack: a thread to resume at (pc, pos), or a capture slot to
// restore when the run backs out of the group save that changed it.
struct Job {
  std::uint32_t a;  // pc, or the slot
  std::uint32_t b;  // pos, or the slot's old value
  bool restore;
};

// The capturing groups' text, in order; a group that took no part in the match is empty.
void copy_groups(std::string_view text, const std::vector<char>& capturing,
                 const std::vector<std::uint32_t>& caps, std::vector<std::string>& groups) {
  for (std::size_t g = 0; g < capturing.size(); ++g) {
    if (!capturing[g]) continue;
    const std::uint32_t b = caps[2 * g], e = caps[2 * g + 1];
    if (b == kUnset || e == kUnset || e < b) {
      groups.emplace_back();
    } else {
      groups.emplace_back(text.substr(b, e - b));
    }
  }
}

}  // namespace

Matcher::Matcher(const std::string& label, std::string_view ere, const std::vector<char>& capturing)
    : capturing_(capturing) {
  Parser parser(label, ere);
  const std::size_t root = parser.run();
  if (parser.groups != capturing.size()) refuse(label, "unbalanced parentheses");
  sets_ = std::move(parser.sets);
  Emitter emitter(label, parser.nodes, capturing_, prog_);
  emitter.emit(root);
  emitter.put({Op::kMatch, 0, 0, 0});
}

Matcher Matcher::compile(const std::string& label, std::string_view pattern) {
  const Translation t = translate(label, pattern);
  return Matcher(label, t.ere, t.capturing);
}

bool Matcher::consumes(const Inst& in, char ch) const {
  switch (in.op) {
    case Op::kChar:
      return static_cast<unsigned char>(ch) == in.c;
    case Op::kAny:  // as Python's ".", everything but a newline
      return ch != '\n';
    case Op::kClass:
      return sets_[in.x].has(static_cast<unsigned char>(ch));
    default:
      return false;
  }
}

bool Matcher::match(std::string_view text, std::vector<std::string>* groups) const {
  if (prog_.empty()) return false;
  const std::size_t n = text.size();
  if (n >= kMaxStateBits || prog_.size() > kMaxStateBits / (n + 1)) return false;
  const std::size_t bits = prog_.size() * (n + 1);
  const std::size_t words = (bits + 63) / 64;
  std::uint64_t local[128];
  std::vector<std::uint64_t> heap;
  std::uint64_t* visited = local;
  if (words > sizeof local / sizeof local[0]) {
    heap.assign(words, 0);
    visited = heap.data();
  } else {
    std::memset(local, 0, words * sizeof local[0]);
  }
  std::vector<std::uint32_t> caps(2 * capturing_.size(), kUnset);
  std::vector<Job> stack;
  stack.push_back({0, 0, false});
  bool found = false;
  while (!found && !stack.empty()) {
    const Job job = stack.back();
    stack.pop_back();
    if (job.restore) {
      caps[job.a] = job.b;
      continue;
    }
    std::uint32_t pc = job.a;
    std::uint32_t pos = job.b;
    for (;;) {
      const std::size_t bit = static_cast<std::size_t>(pc) * (n + 1) + pos;
      if (visited[bit / 64] & (std::uint64_t{1} << (bit % 64))) break;
      visited[bit / 64] |= std::uint64_t{1} << (bit % 64);
      const Inst& in = prog_[pc];
      bool go = false;
      switch (in.op) {
        case Op::kChar:
        case Op::kAny:
        case Op::kClass:
          go = pos < n && consumes(in, text[pos]);
          if (go) ++pos;
          break;
        case Op::kSplit:
          stack.push_back({in.y, pos, false});
          pc = in.x;
          continue;
        case Op::kJmp:
          pc = in.x;
          continue;
        case Op::kSave:
          stack.push_back({in.x, caps[in.x], true});
          caps[in.x] = pos;
          go = true;
          break;
        case Op::kBol:
          go = pos == 0;
          break;
        case Op::kEol:
          go = pos == n;
          break;
        case Op::kMatch:
          found = pos == n;
          break;
      }
      if (!go) break;
      ++pc;
    }
  }
  if (!found) return false;
  if (groups) copy_groups(text, capturing_, caps, *groups);
  return true;
}

// Threads are program counters on a list per text position, in the order backtracking would
// try them: add() follows splits (the preferred target first), jumps, saves and anchors
// depth-first and keeps the instructions that read a character or match. A thread that
// reaches kMatch ends the ones after it on its list (backtracking would never get to them);
// a new thread starts at each position until a match is found, after every older one (a
// later start is tried only when the earlier ones fail). The last match recorded when the
// lists run dry is the one Python finds.
std::size_t Matcher::search(std::string_view text) const {
  if (prog_.empty()) return npos;
  const std::size_t n = text.size();
  std::vector<std::uint32_t> now, next, stack;
  std::vector<std::size_t> on_list(prog_.size(), npos);  // the position whose list holds pc
  now.reserve(prog_.size());
  next.reserve(prog_.size());
  auto add = [&](std::vector<std::uint32_t>& list, std::uint32_t start, std::size_t pos) {
    stack.push_back(start);
    while (!stack.empty()) {
      const std::uint32_t pc = stack.back();
      stack.pop_back();
      if (on_list[pc] == pos) continue;
      on_list[pc] = pos;
      const Inst& in = prog_[pc];
      switch (in.op) {
        case Op::kJmp:
          stack.push_back(in.x);
          break;
        case Op::kSplit:
          stack.push_back(in.y);
          stack.push_back(in.x);  // popped first: the preferred target
          break;
        case Op::kSave:
          stack.push_back(pc + 1);
          break;
        case Op::kBol:
          if (pos == 0) stack.push_back(pc + 1);
          break;
        case Op::kEol:
          if (pos == n) stack.push_back(pc + 1);
          break;
        default:
          list.push_back(pc);
          break;
      }
    }
  };
  std::size_t found = npos;
  for (std::size_t pos = 0;; ++pos) {
    if (found == npos) add(now, 0, pos);
    next.clear();
    for (const std::uint32_t pc : now) {
      const Inst& in = prog_[pc];
      if (in.op == Op::kMatch) {
        found = pos;
        break;
      }
      if (pos < n && consumes(in, text[pos])) add(next, pc + 1, pos + 1);
    }
    if (pos == n || (next.empty() && found != npos)) break;
    now.swap(next);
  }
  return found;
}

}  // namespace tornado::regex
