// Benchmarks of the engine's user-facing jobs: loading the rule catalog,
// gradients and simplification of the worked examples, and families of inputs
// that grow with a size k, so cost against size can be read off.
// How to build and run them, and the figures: docs/performance.md.
//
// A symbol keeps one shape per Arena, so every iteration works in a fresh
// Arena. Loading the rules is measured on its own (BM_LoadRules); the other
// benchmarks start each iteration from a copy of an Arena the catalog was
// loaded into once, made with the timer paused (the rules' ids are the same in
// every copy, so one RuleSet serves them all). What a copy costs is
// BM_ArenaCopy. Timed: parsing the expression, then gradient() or simplify().
#include <benchmark/benchmark.h>

#include <exception>
#include <optional>
#include <string>

#include "matcalc/calculus.hpp"
#include "matcalc/error.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/rules.hpp"
#include "matcalc/term.hpp"

#ifndef MATCALC_RULES_DIR
#error "MATCALC_RULES_DIR must name the rules directory"
#endif

namespace {

struct Catalog {
  matcalc::Arena arena;
  matcalc::RuleSet rules;
  std::string error;  // why loading failed, else empty
};

// The catalog, loaded once; its arena is the template every iteration copies.
const Catalog& catalog() {
  static const Catalog* loaded = [] {
    auto* c = new Catalog;
    try {
      c->rules.loadDirectory(c->arena, MATCALC_RULES_DIR);
    } catch (const std::exception& e) {
      c->error = std::string("loading the rules: ") + e.what();
    }
    return c;
  }();
  return *loaded;
}

std::size_t stepsOf(const matcalc::Derivation& d) {
  std::size_t n = 0;
  for (const auto& stage : d.stages) n += stage.steps.size();
  return n;
}

enum class Job { Gradient, Simplify };

// Parses `source` (and, for a gradient, looks up the variable `wrt`) in a fresh
// copy of the catalog's arena and runs the job; reports the rewrite steps and
// the nodes the job added to the arena as counters.
void run(benchmark::State& state, Job job, const std::string& source, const std::string& wrt) {
  const Catalog& cat = catalog();
  if (!cat.error.empty()) {
    state.SkipWithError(cat.error.c_str());
    return;
  }
  std::optional<matcalc::Arena> arena;
  std::size_t steps = 0, nodes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    arena.emplace(cat.arena);  // destroys the previous copy, untimed
    std::size_t before = arena->size();
    state.ResumeTiming();
    try {
      matcalc::Id f = matcalc::parse(*arena, source);
      if (job == Job::Gradient) {
        const matcalc::Symbol* s = arena->findSymbol(wrt, 0);
        if (!s) {
          state.SkipWithError(("'" + wrt + "' does not occur in " + source).c_str());
          break;
        }
        matcalc::Id x = arena->symbol(s->name, s->kind, s->shape, 0);
        matcalc::GradientResult g = matcalc::gradient(*arena, cat.rules, f, x);
        benchmark::DoNotOptimize(g.gradient);
        steps = stepsOf(g.derivation);
      } else {
        matcalc::SimplifyResult r = matcalc::simplify(*arena, cat.rules, f);
        benchmark::DoNotOptimize(r.normal);
        steps = stepsOf(r.derivation);
      }
    } catch (const matcalc::Error& e) {
      state.SkipWithError((std::string("matcalc::Error: ") + e.what()).c_str());
      break;
    } catch (const std::exception& e) {
      state.SkipWithError((std::string("exception: ") + e.what()).c_str());
      break;
    }
    nodes = arena->size() - before;
  }
  state.counters["steps"] = static_cast<double>(steps);
  state.counters["nodes"] = static_cast<double>(nodes);
}

// --- (a) the rule catalog ---------------------------------------------------

void BM_LoadRules(benchmark::State& state) {
  std::size_t rules = 0, nodes = 0;
  for (auto _ : state) {
    matcalc::Arena arena;
    matcalc::RuleSet set;
    try {
      set.loadDirectory(arena, MATCALC_RULES_DIR);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    rules = set.rules().size();
    nodes = arena.size();
    benchmark::DoNotOptimize(rules);
  }
  state.counters["rules"] = static_cast<double>(rules);
  state.counters["nodes"] = static_cast<double>(nodes);
}
BENCHMARK(BM_LoadRules)->Unit(benchmark::kMillisecond);

// The setup the other benchmarks exclude: copying the loaded catalog's arena.
void BM_ArenaCopy(benchmark::State& state) {
  const Catalog& cat = catalog();
  if (!cat.error.empty()) {
    state.SkipWithError(cat.error.c_str());
    return;
  }
  for (auto _ : state) {
    matcalc::Arena copy = cat.arena;
    benchmark::DoNotOptimize(copy.size());
  }
}
BENCHMARK(BM_ArenaCopy)->Unit(benchmark::kMicrosecond);

// --- (b), (c) the worked examples -------------------------------------------

void BM_Grad(benchmark::State& state, const char* source, const char* wrt) { run(state, Job::Gradient, source, wrt); }
void BM_Simplify(benchmark::State& state, const char* source) { run(state, Job::Simplify, source, ""); }

#define MATCALC_EXAMPLE(name, source, wrt)                                                    \
  BENCHMARK_CAPTURE(BM_Grad, name, source, wrt)->Unit(benchmark::kMicrosecond);             \
  BENCHMARK_CAPTURE(BM_Simplify, name, source)->Unit(benchmark::kMicrosecond);

MATCALC_EXAMPLE(quadratic_form, "x'*A*x", "x")
MATCALC_EXAMPLE(least_squares, "<X*w - y, X*w - y>", "w")
MATCALC_EXAMPLE(softmax_regression, "-<y, X*w> + logsumexp(X*w)", "w")
MATCALC_EXAMPLE(gaussian_nll, "logdet(Sigma) + <x - m, inv(Sigma)*(x - m)>", "Sigma")
MATCALC_EXAMPLE(logdet_trace, "log(det(X)) + tr(inv(X)*S)", "X")

// --- (d) inputs growing with k ----------------------------------------------

std::string productOf(int k) {  // A1*A2*...*Ak
  std::string s;
  for (int i = 1; i <= k; ++i) s += (i > 1 ? "*A" : "A") + std::to_string(i);
  return s;
}

// tr(A1*A2*...*Ak*X) wrt X: the gradient is (A1*...*Ak)'.
void BM_GradTraceProduct(benchmark::State& state) {
  int k = static_cast<int>(state.range(0));
  run(state, Job::Gradient, "tr(" + productOf(k) + "*X)", "X");
  state.SetComplexityN(k);
}

// tr(A1*X) + tr(A2*X) + ... + tr(Ak*X) wrt X.
void BM_GradTraceSum(benchmark::State& state) {
  int k = static_cast<int>(state.range(0));
  std::string s;
  for (int i = 1; i <= k; ++i) s += (i > 1 ? " + tr(A" : "tr(A") + std::to_string(i) + "*X)";
  run(state, Job::Gradient, s, "X");
  state.SetComplexityN(k);
}

// tr(f(f(...f(A*X)))) with f applied k times, wrt X.
std::string nested(const char* f, int k) {
  std::string s = "A*X";
  for (int i = 0; i < k; ++i) s = std::string(f) + "(" + s + ")";
  return "tr(" + s + ")";
}
void BM_GradNestedExp(benchmark::State& state) {
  int k = static_cast<int>(state.range(0));
  run(state, Job::Gradient, nested("exp", k), "X");
  state.SetComplexityN(k);
}
void BM_GradNestedSin(benchmark::State& state) {
  int k = static_cast<int>(state.range(0));
  run(state, Job::Gradient, nested("sin", k), "X");
  state.SetComplexityN(k);
}
void BM_GradNestedTanh(benchmark::State& state) {
  int k = static_cast<int>(state.range(0));
  run(state, Job::Gradient, nested("tanh", k), "X");
}

// (A1 + B1)*(A2 + B2)*...*(Ak + Bk): the normal form has 2^k products.
void BM_SimplifyProductOfSums(benchmark::State& state) {
  int k = static_cast<int>(state.range(0));
  std::string s;
  for (int i = 1; i <= k; ++i) s += (i > 1 ? "*(A" : "(A") + std::to_string(i) + " + B" + std::to_string(i) + ")";
  run(state, Job::Simplify, s, "");
}

// The largest k of each family: where a point would take about a second, or
// the largest k before the engine gives up with Error(Budget) (the term grows
// beyond Budget::maxSize, 4000 nodes counted as a tree):
//   tr(A1*...*Ak*X)        k = 48 takes ~1.7 s
//   sum of tr(Ai*X)        k = 128 takes ~0.8 s
//   exp nested k deep      Error(Budget) from k = 86
//   sin nested k deep      k = 80 takes ~0.9 s; Error(Budget) from k = 86
//   tanh nested k deep     Error(Budget) from k = 7
//   product of k sums      Error(Budget) from k = 9
BENCHMARK(BM_GradTraceProduct)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(12)->Arg(16)->Arg(24)->Arg(32)
    ->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK(BM_GradTraceSum)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(16)->Arg(24)->Arg(32)->Arg(48)->Arg(64)
    ->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK(BM_GradNestedExp)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(16)->Arg(32)->Arg(48)->Arg(64)->Arg(80)
    ->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK(BM_GradNestedSin)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(16)->Arg(32)->Arg(48)->Arg(64)
    ->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK(BM_GradNestedTanh)->DenseRange(1, 6)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SimplifyProductOfSums)->DenseRange(1, 8)->Unit(benchmark::kMicrosecond);

}  // namespace
