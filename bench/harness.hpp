// What the benchmark files share: the rule catalog loaded once, and a guard
// that turns an engine error into a skipped benchmark instead of a crash.
#pragma once
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "matcalc/error.hpp"
#include "matcalc/rules.hpp"
#include "matcalc/term.hpp"

#ifndef MATCALC_RULES_DIR
#error "MATCALC_RULES_DIR must name the rules directory"
#endif

namespace bench {

// Freed memory stays in the process: every iteration destroys an arena copy
// of several MB and makes another, and glibc would otherwise return it to
// the system and fault it back in during the next timed job; a program that
// embeds the engine and keeps its arena pays neither.
inline const bool kKeepMemory = [] {
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  return true;
}();

struct Loaded {
  matcalc::Arena arena;  // the template every iteration copies
  matcalc::RuleSet rules;
  std::string error;     // why loading failed, else empty
};

// The rule catalog, loaded once (the first call pays for it, untimed).
inline const Loaded& loaded() {
  static const Loaded* l = [] {
    auto* c = new Loaded;
    try {
      c->rules.loadDirectory(c->arena, MATCALC_RULES_DIR);
      // Checking and orienting the rules filled the memos; a CLI restores
      // them from a snapshot and starts nearly empty, as the jobs here now do
      // (with a table at its growth threshold each job paid a rehash of
      // thousands of pairs: 31 k instructions of softmax regression's 236 k).
      c->arena.clearMemos();
    } catch (const std::exception& e) {
      c->error = std::string("loading the rules: ") + e.what();
    }
    return c;
  }();
  return *l;
}

// A fresh copy of the loaded arena for one job. A vector's copy has no spare
// capacity, so the first node made in a copy reallocates the arena's per-node
// arrays and reserves a new 256 KB operand chunk, which glibc may serve with
// mmap and page faults: up to ~60 µs, depending on the allocator's state,
// that an arena in use (the CLI's) does not pay. One throwaway node made
// here pays it outside the timing: a symbol of its own, with dimensions of its
// own, and a node with operands (a node the catalog already has, 1 + 2 was
// one, would be found, not made, and pay nothing).
inline void freshCopy(std::optional<matcalc::Arena>& arena) {
  arena.emplace(loaded().arena);  // destroys the previous copy
  std::size_t before = arena->size();
  matcalc::Id x = arena->symbol("bench throwaway", matcalc::VarKind::Matrix, {arena->freshDim(), arena->freshDim()});
  arena->raw(matcalc::Kind::Transpose, {x});
  if (arena->size() < before + 2) throw std::logic_error("freshCopy made no node: the timed job would pay the arena's growth");
}

// Runs body(); on an exception skips the benchmark with its message and
// returns false, so the caller's loop can break.
template <class F>
bool guarded(benchmark::State& state, F&& body) {
  try {
    body();
    return true;
  } catch (const matcalc::Error& e) {
    state.SkipWithError((std::string("matcalc::Error: ") + e.what()).c_str());
  } catch (const std::exception& e) {
    state.SkipWithError((std::string("exception: ") + e.what()).c_str());
  }
  return false;
}

}  // namespace bench
