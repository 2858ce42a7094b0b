// Benchmarks of the engine's user-facing jobs: loading the rule catalog,
// gradients and simplification of the worked examples, and families of inputs
// that grow with a size k, so cost against size can be read off
// (bench/growth.py fits the exponents). The identity catalog's gradients are
// timed in bench_identities.cpp. How to build and run: docs/performance.md.
//
// A symbol keeps one shape per Arena, so every iteration works in a fresh
// Arena. Loading the rules is measured on its own (BM_LoadRules); the other
// benchmarks start each iteration from a copy of an Arena the catalog was
// loaded into once, made with the timer paused (the rules' ids are the same in
// every copy, so one RuleSet serves them all). What that untimed setup costs
// is BM_ArenaCopy. Timed: parsing the expression, then gradient() or simplify() (BM_Parse: parsing alone).
//
// Counters: steps (rewrite steps of the derivation), nodes (distinct nodes of
// the result as shown, a DAG), arena_nodes (nodes the job added to the arena:
// intermediate terms and every candidate the matcher built).
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "harness.hpp"
#include "matcalc/calculus.hpp"
#include "matcalc/parse.hpp"

namespace {

using bench::loaded;

std::size_t stepsOf(const matcalc::Derivation& d) {
  std::size_t n = 0;
  for (const auto& stage : d.stages) n += stage.steps.size();
  return n;
}

enum class Job { Parse, Gradient, Simplify };

struct Outcome {
  matcalc::Id normal = 0, display = 0;
  std::size_t steps = 0;
};

// Parses `source` in `arena` and runs the job (for a gradient, with respect
// to the variable `wrt` of the source). Throws what the engine throws.
Outcome runJob(matcalc::Arena& arena, Job job, const std::string& source, const std::string& wrt) {
  matcalc::Id f = matcalc::parse(arena, source);
  if (job == Job::Parse) return {f, f, 0};
  if (job == Job::Simplify) {
    matcalc::SimplifyResult r = matcalc::simplify(arena, loaded().rules, f);
    return {r.normal, r.display, stepsOf(r.derivation)};
  }
  const matcalc::Symbol* s = arena.findSymbol(wrt, 0);
  if (!s) throw std::invalid_argument("'" + wrt + "' does not occur in " + source);
  matcalc::Id x = arena.symbol(s->name, s->kind, s->shape, 0);
  matcalc::GradientResult g = matcalc::gradient(arena, loaded().rules, f, x);
  return {g.gradient, g.display, stepsOf(g.derivation)};
}

// Times runJob on a fresh copy of the loaded arena per iteration and reports
// the counters; `extra` may add counters from the last iteration's result.
using Extra = std::function<void(benchmark::State&, const matcalc::Arena&, const Outcome&)>;
void run(benchmark::State& state, Job job, const std::string& source, const std::string& wrt = "",
         const Extra& extra = {}) {
  if (!loaded().error.empty()) {
    state.SkipWithError(loaded().error.c_str());
    return;
  }
  std::optional<matcalc::Arena> arena;
  Outcome out;
  std::size_t created = 0;
  for (auto _ : state) {
    // Timed by hand (UseManualTime): the copy outside the clock readings,
    // without PauseTiming/ResumeTiming, whose own cost is microseconds.
    bench::freshCopy(arena);
    std::size_t before = arena->size();
    auto start = std::chrono::steady_clock::now();
    if (!bench::guarded(state, [&] { out = runJob(*arena, job, source, wrt); })) return;
    auto stop = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(stop - start).count());
    benchmark::DoNotOptimize(out.display);
    created = arena->size() - before;
  }
  state.counters["steps"] = static_cast<double>(out.steps);
  state.counters["nodes"] = static_cast<double>(matcalc::dagSize(*arena, out.display));
  state.counters["arena_nodes"] = static_cast<double>(created);
  if (extra) extra(state, *arena, out);
}

// --- the rule catalog ---------------------------------------------------------

// Times `load` filling a fresh Arena and RuleSet per iteration.
template <class Load>
void timeRuleLoading(benchmark::State& state, Load load) {
  std::size_t rules = 0, nodes = 0;
  for (auto _ : state) {
    matcalc::Arena arena;
    matcalc::RuleSet set;
    if (!bench::guarded(state, [&] { load(arena, set); })) return;
    rules = set.rules().size();
    nodes = arena.size();
    benchmark::DoNotOptimize(rules);
  }
  state.counters["rules"] = static_cast<double>(rules);
  state.counters["arena_nodes"] = static_cast<double>(nodes);
}

void BM_LoadRules(benchmark::State& state) {
  timeRuleLoading(state, [](matcalc::Arena& arena, matcalc::RuleSet& set) { set.loadDirectory(arena, MATCALC_RULES_DIR); });
}
BENCHMARK(BM_LoadRules)->Unit(benchmark::kMillisecond);

// What the CLI pays instead: restoring the snapshot compiled into the library.
void BM_RestoreStandardRules(benchmark::State& state) {
  timeRuleLoading(state, [](matcalc::Arena& arena, matcalc::RuleSet& set) { set = matcalc::RuleSet::standard(arena); });
}
BENCHMARK(BM_RestoreStandardRules)->Unit(benchmark::kMicrosecond);

// The setup the other benchmarks exclude: copying the loaded catalog's arena.
void BM_ArenaCopy(benchmark::State& state) {
  if (!loaded().error.empty()) {
    state.SkipWithError(loaded().error.c_str());
    return;
  }
  std::optional<matcalc::Arena> copy;
  for (auto _ : state) {
    bench::freshCopy(copy);
    benchmark::DoNotOptimize(copy->size());
  }
}
BENCHMARK(BM_ArenaCopy)->Unit(benchmark::kMicrosecond);

// --- the worked examples --------------------------------------------------------
// bench/compare_sympy.py runs BM_Grad/* and knows these names.

void BM_Grad(benchmark::State& state, const char* source, const char* wrt) { run(state, Job::Gradient, source, wrt); }
void BM_Simplify(benchmark::State& state, const char* source) { run(state, Job::Simplify, source); }
void BM_Parse(benchmark::State& state, const char* source) { run(state, Job::Parse, source); }

#define MATCALC_EXAMPLE(name, source, wrt)                                        \
  BENCHMARK_CAPTURE(BM_Grad, name, source, wrt)->UseManualTime()->Unit(benchmark::kMicrosecond); \
  BENCHMARK_CAPTURE(BM_Simplify, name, source)->UseManualTime()->Unit(benchmark::kMicrosecond); \
  BENCHMARK_CAPTURE(BM_Parse, name, source)->UseManualTime()->Unit(benchmark::kMicrosecond);

MATCALC_EXAMPLE(quadratic_form, "x'*A*x", "x")
MATCALC_EXAMPLE(least_squares, "<X*w - y, X*w - y>", "w")
MATCALC_EXAMPLE(softmax_regression, "-<y, X*w> + log(sum(exp(X*w)))", "w")
MATCALC_EXAMPLE(gaussian_nll, "logdet(Sigma) + <x - m, inv(Sigma)*(x - m)>", "Sigma")
MATCALC_EXAMPLE(logdet_trace, "log(det(X)) + tr(inv(X)*S)", "X")
MATCALC_EXAMPLE(cross_entropy, "y'*log(sigmoid(X*w)) + (1 - y)'*log(1 - sigmoid(X*w))", "w")
MATCALC_EXAMPLE(two_layer_net, "norm2(W2*tanh(W1*x) - y)^2", "W1")

// --- inputs growing with k ------------------------------------------------------

std::string num(int i) { return std::to_string(i); }

// norm2(W_{L+1}*f(W_L*...f(W1*x)...) - y)^2: a network of depth L, wrt W1.
std::string network(const std::string& f, int depth) {
  std::string s = "W1*x";
  for (int i = 2; i <= depth + 1; ++i) s = std::string("W").append(num(i)).append("*").append(f).append("(").append(s).append(")");
  return "norm2(" + s + " - y)^2";
}
void BM_GradTanhNet(benchmark::State& state) {
  run(state, Job::Gradient, network("tanh", static_cast<int>(state.range(0))), "W1");
  state.SetComplexityN(state.range(0));
}
// Every depth up to 9: gradient() also tries the expanded form when it would
// have at most 256 terms (depth 7 and less here), and these show its cost.
void BM_GradTanhNetShallow(benchmark::State& state) {
  run(state, Job::Gradient, network("tanh", static_cast<int>(state.range(0))), "W1");
}
void BM_GradSigmoidNet(benchmark::State& state) {
  run(state, Job::Gradient, network("sigmoid", static_cast<int>(state.range(0))), "W1");
  state.SetComplexityN(state.range(0));
}

// tr(A1*A2*...*Ak*X) wrt X: the gradient is (A1*...*Ak)'.
void BM_GradTraceProduct(benchmark::State& state) {
  int k = static_cast<int>(state.range(0));
  std::string s = "A1";
  for (int i = 2; i <= k; ++i) s += "*A" + num(i);
  run(state, Job::Gradient, "tr(" + s + "*X)", "X");
  state.SetComplexityN(k);
}

// tr(A1*X) + tr(A2*X) + ... + tr(Ak*X) wrt X: the gradient is (A1 + ... + Ak)'.
void BM_GradTraceSum(benchmark::State& state) {
  int k = static_cast<int>(state.range(0));
  std::string s = "tr(A1*X)";
  for (int i = 2; i <= k; ++i) s += " + tr(A" + num(i) + "*X)";
  run(state, Job::Gradient, s, "X");
  state.SetComplexityN(k);
}

// tr(f(f(...f(A*X)))) with f applied k times, wrt X.
std::string nested(const std::string& f, int k) {
  std::string s = "A*X";
  for (int i = 0; i < k; ++i) s = f + "(" + s + ")";
  return "tr(" + s + ")";
}
void BM_GradNested(benchmark::State& state, const char* f) {
  run(state, Job::Gradient, nested(f, static_cast<int>(state.range(0))), "X");
  state.SetComplexityN(state.range(0));
}

// (A1 + B1)*(A2 + B2)*...*(Ak + Bk): the normal form is a sum of 2^k
// products, so the cost is exponential by nature; time_per_term divides the
// time by the terms of the normal form.
void BM_SimplifyProductOfSums(benchmark::State& state) {
  int k = static_cast<int>(state.range(0));
  std::string s;
  for (int i = 1; i <= k; ++i) s += (i > 1 ? "*(A" : "(A") + num(i) + " + B" + num(i) + ")";
  run(state, Job::Simplify, s, "", [](benchmark::State& st, const matcalc::Arena& arena, const Outcome& out) {
    double terms = arena.kind(out.normal) == matcalc::Kind::Add ? arena.kids(out.normal).size() : 1.0;
    st.counters["terms"] = terms;
    // CPU time per iteration / terms: kIsIterationInvariantRate gives
    // terms * iterations / time, kInvert turns it over.
    st.counters["time_per_term"] =
        benchmark::Counter(terms, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  });
}

BENCHMARK(BM_GradTanhNet)->UseManualTime()->RangeMultiplier(2)->Range(1, 64)->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK(BM_GradTanhNetShallow)->UseManualTime()->DenseRange(1, 9)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GradSigmoidNet)->UseManualTime()->RangeMultiplier(2)->Range(1, 64)->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK(BM_GradTraceProduct)->UseManualTime()->RangeMultiplier(2)->Range(1, 256)->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK(BM_GradTraceSum)->UseManualTime()->RangeMultiplier(2)->Range(1, 1024)->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK_CAPTURE(BM_GradNested, exp, "exp")->UseManualTime()->RangeMultiplier(2)->Range(1, 512)->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK_CAPTURE(BM_GradNested, sin, "sin")->UseManualTime()->RangeMultiplier(2)->Range(1, 512)->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK_CAPTURE(BM_GradNested, tanh, "tanh")->UseManualTime()->RangeMultiplier(2)->Range(1, 512)->Unit(benchmark::kMicrosecond)->Complexity();
BENCHMARK(BM_SimplifyProductOfSums)->UseManualTime()->DenseRange(1, 10)->Unit(benchmark::kMicrosecond);

}  // namespace
