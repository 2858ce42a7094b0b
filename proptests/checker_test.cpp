// The checker must reject every deliberately wrong rule, and the loader
// every invalid file, for the right reason and with file:line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "matcalc/calculus.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"
#include "matcalc/rules.hpp"
#include "matcalc/verify.hpp"

namespace fs = std::filesystem;

namespace matcalc {
namespace {

std::vector<fs::path> yamlFiles(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Checker, CatchesEveryWrongRule) {
  auto files = yamlFiles(MATCALC_TEST_DATA "/bad-rules");
  ASSERT_GE(files.size(), 10u);
  for (const auto& f : files) {
    Arena arena;
    RuleSet set;
    ASSERT_NO_THROW(set.loadFile(arena, f.string())) << f << " must load: it is only numerically wrong";
    ASSERT_EQ(set.rules().size(), 1u) << f;
    const Rule& r = set.rules()[0];
    CheckSummary s = check(arena, identityOf(r), 100, 7);
    EXPECT_FALSE(s.ok) << "the wrong rule " << r.name << " in " << f << " passed " << s.trials << " trials";
    EXPECT_FALSE(s.detail.empty()) << f;
  }
}

TEST(Checker, CatchesTheKindsOfMistakesTheIssueNames) {
  std::set<std::string> names;
  for (const auto& f : yamlFiles(MATCALC_TEST_DATA "/bad-rules")) names.insert(f.stem().string());
  for (const char* needed : {"dropped-transpose", "swapped-factors", "wrong-sign", "missing-guard"})
    EXPECT_TRUE(names.count(needed)) << "no bad-rule file " << needed;
}

TEST(Loader, RejectsEveryInvalidFileForItsReason) {
  const std::map<std::string, std::string> expected = {
      {"bad-name", "kebab-case"},
      {"duplicate-name", "duplicate name"},
      {"malformed-yaml", "malformed YAML"},
      {"non-decreasing", "does not decrease in the recursive path order"},
      {"missing-rhs", "missing 'rhs'"},
      {"kron-size-cycle", "the sides agree only if 'B' is 1×1"},
      {"parse-error", "expected ')'"},
      {"shape-mismatch", "shape error"},
      {"trivial-rule", "same term"},
      {"unbound-rhs", "does not bind"},
      {"unknown-function", "unknown function 'foo'"},
      {"unknown-guard", "unknown guard"},
      {"unknown-key", "unknown key"},
  };
  auto files = yamlFiles(MATCALC_TEST_DATA "/invalid-rules");
  ASSERT_EQ(files.size(), expected.size()) << "every invalid file needs an expected reason here";
  for (const auto& f : files) {
    auto reason = expected.find(f.stem().string());
    ASSERT_NE(reason, expected.end()) << f;
    Arena arena;
    RuleSet set;
    try {
      set.loadFile(arena, f.string());
      ADD_FAILURE() << f << " was accepted";
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_EQ(e.category(), Error::Category::Rule) << msg;
      EXPECT_NE(msg.find(reason->second), std::string::npos) << f << ": " << msg;
      EXPECT_TRUE(std::regex_search(msg, std::regex("^" + f.string() + ":[0-9]+: "))) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    }
  }
}

TEST(Loader, CatalogHasAtLeastEightyUniquelyNamedRules) {
  Arena arena;
  RuleSet set;
  set.loadDirectory(arena, MATCALC_RULES_DIR);
  EXPECT_GE(set.rules().size(), 80u);
  std::set<std::string> families;
  for (const Rule& r : set.rules()) families.insert(r.family);
  for (const char* f : {"transpose", "trace", "inner", "hadamard", "inverse", "det", "diff"})
    EXPECT_TRUE(families.count(f)) << "no family " << f;
}

TEST(Loader, DuplicateNamesAcrossFilesAreRejected) {
  Arena arena;
  RuleSet set;
  set.loadDirectory(arena, MATCALC_RULES_DIR);
  EXPECT_THROW(set.loadDirectory(arena, MATCALC_RULES_DIR), Error);
}

TEST(Checker, RationalRulesAreCheckedExactlyAndDifferentialsByDualNumbers) {
  Arena arena;
  RuleSet set;
  set.loadDirectory(arena, MATCALC_RULES_DIR);
  const Rule* product = set.find("transpose-product");
  const Rule* inverse = set.find("diff-inverse");
  const Rule* exp = set.find("diff-exp");
  ASSERT_TRUE(product && inverse && exp);
  EXPECT_EQ(check(arena, identityOf(*product), 20, 1).method, Method::Exact);
  EXPECT_EQ(check(arena, identityOf(*inverse), 20, 1).method, Method::Dual);
  EXPECT_EQ(check(arena, identityOf(*exp), 20, 1).method, Method::Dual);
}

// A builtin rule is verified as written: a scalar factor between matrices
// (D*2*D) is a raw scaled term whose matrix is not its last factor. Found by
// fuzz_rules: it was evaluated as if it were, a 1×1 value multiplied into a
// product of matrices (a segfault in a release build).
TEST(Checker, BuiltinRulesWithScalarsAmongFactorsAreVerifiedAsWritten) {
  fs::path dir = fs::temp_directory_path() / ("matcalc-raw-scale-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "raw.yaml") << "family: raw\nrules:\n"
                                     "  - {name: scaled-zero-product, lhs: \"A' - D*2*D*0\", rhs: \"A'\", order: builtin, source: test}\n"
                                     "  - {name: scalar-among-factors, lhs: \"B*3*C/2\", rhs: \"3/2*B*C\", order: builtin, source: test}\n";
  Arena arena;
  RuleSet set;
  set.loadFile(arena, (dir / "raw.yaml").string());
  fs::remove_all(dir);
  ASSERT_EQ(set.rules().size(), 2u);
  for (const Rule& r : set.rules()) {
    ASSERT_NE(r.lhsRaw, r.lhs) << r.name;  // verified in the form written
    CheckSummary c = check(arena, identityOf(r), 20, 1);
    EXPECT_TRUE(c.ok) << r.name << ": " << c.detail;
    EXPECT_EQ(c.trials, 20) << r.name;
  }
}

}  // namespace
}  // namespace matcalc

namespace matcalc {
namespace {

// The standard rules compiled into the library (a snapshot made at build
// time) are the rules of rules/*.yaml, restored into any arena.
TEST(StandardRules, TheSnapshotIsTheRulesDirectory) {
  Arena fromYaml;
  RuleSet yaml;
  yaml.loadDirectory(fromYaml, MATCALC_RULES_DIR);
  Arena arena;
  Id before = parse(arena, "x'*A*x + tr(B)");  // an arena that already holds terms
  unsetenv("MATCALC_RULES");
  RuleSet standard = RuleSet::standard(arena);
  ASSERT_EQ(standard.rules().size(), yaml.rules().size());
  for (std::size_t i = 0; i < yaml.rules().size(); ++i) {
    const Rule& a = yaml.rules()[i];
    const Rule& b = standard.rules()[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(toText(fromYaml, a.lhsRaw) + " = " + toText(fromYaml, a.rhsRaw), toText(arena, b.lhsRaw) + " = " + toText(arena, b.rhsRaw));
    EXPECT_EQ(toText(fromYaml, a.lhs), toText(arena, b.lhs)) << a.name;
    EXPECT_EQ(a.order, b.order);
    EXPECT_EQ(a.where.size(), b.where.size());
    EXPECT_EQ(a.variables.size(), b.variables.size());
    // What the matcher asks of each variable's d(·), worked out as the rule is added.
    EXPECT_EQ(a.differentialNeed, b.differentialNeed) << a.name;
    EXPECT_EQ(b.differentialNeed.size(), b.variables.size()) << a.name;
    // Whether it distributes over all of a sum's terms at once, worked out likewise.
    EXPECT_EQ(bool(a.distribution), bool(b.distribution)) << a.name;
    if (a.distribution && b.distribution) {
      EXPECT_EQ(toText(fromYaml, a.distribution.image), toText(arena, b.distribution.image)) << a.name;
    }
  }
  // <A, B .* C> with differential(B): B must hold a d(·), A and C may.
  const Rule* adjoint = standard.find("hadamard-adjoint");
  ASSERT_NE(adjoint, nullptr);
  for (std::size_t i = 0; i < adjoint->variables.size(); ++i)
    EXPECT_EQ(adjoint->differentialNeed[i], toText(arena, adjoint->variables[i]) == "B" ? Rule::DifferentialNeed::Has
                                                                                      : Rule::DifferentialNeed::Any)
        << toText(arena, adjoint->variables[i]);
  // And they rewrite alike: the same normal form, in either arena.
  Id f = parse(arena, "tr(inv(X)*S) + log(det(X))");
  Id g = parse(fromYaml, "tr(inv(X)*S) + log(det(X))");
  EXPECT_EQ(toText(arena, before), "tr(B) + x'*A*x");  // the terms already there are untouched
  EXPECT_EQ(toText(arena, simplify(arena, standard, f).normal), toText(fromYaml, simplify(fromYaml, yaml, g).normal));
}

}  // namespace
}  // namespace matcalc

namespace matcalc {
namespace {

// The rules Ctx[B + C] -> Ctx[B] + Ctx[C] the rewriter applies to all of a
// sum's terms at once, and some it must not: a guard on B or C, a sum that
// is not of two plain variables, or a right-hand side that is not the split.
TEST(StandardRules, DistributionOverSumsIsRecognisedStructurally) {
  Arena arena;
  RuleSet rules;
  rules.loadDirectory(arena, MATCALC_RULES_DIR);
  std::set<std::string> distributing;
  for (const Rule& r : rules.rules())
    if (r.distribution) distributing.insert(r.name);
  const std::set<std::string> expected{
      "hadamard-distribute-sum", "hadamard-division-distribute-sum",  // a guard on C, not on the sum's A and B
      "inner-sum-left", "inner-sum-right", "kron-distributes-left", "kron-distributes-right", "product-distribute-left",
      "product-distribute-right", "scalar-distribute", "scalar-sum-distribute", "sum-of-sum", "trace-sum", "vec-of-sum"};
  EXPECT_EQ(distributing, expected);
  // Not: differential(B) (inner-sum-adjoint); a right-hand side that is not
  // the split (logsumexp-shift, matrix-power-of-sum); builtin rules.
  for (const char* name : {"inner-sum-adjoint", "logsumexp-shift", "matrix-power-of-sum", "diff-sum", "transpose-sum"}) {
    ASSERT_NE(rules.find(name), nullptr) << name;
    EXPECT_FALSE(rules.find(name)->distribution) << name;
  }
  const Rule& left = *rules.find("product-distribute-left");
  EXPECT_EQ(toText(arena, left.distribution.image), "A*B");

  // (A1 + … + A5)*(B1 + … + B5): one step distributes over the five B's,
  // then one per (A1 + … + A5)*Bj, not one per term: 6 steps, not 24. The
  // normal form has the 25 products, and is exactly the input's value.
  Id f = parse(arena, "(A1 + A2 + A3 + A4 + A5)*(B1 + B2 + B3 + B4 + B5)");
  SimplifyResult r = simplify(arena, rules, f);
  std::size_t distributions = 0;
  for (const auto& stage : r.derivation.stages)
    for (const auto& step : stage.steps)
      if (step.rule->name.rfind("product-distribute", 0) == 0) ++distributions;
  EXPECT_EQ(distributions, 6u);
  ASSERT_EQ(arena.kind(r.normal), Kind::Add);
  EXPECT_EQ(arena.kids(r.normal).size(), 25u);
  EXPECT_EQ(compareExactly(arena, f, r.normal).verdict, Equivalence::Verdict::Equal);
}

}  // namespace
}  // namespace matcalc

namespace matcalc {
namespace {

// The fuzzers' dictionaries (fuzz/*.dict) hold every function of the kinds
// list, every guard and every order, so a new kind reaches the fuzzers too.
TEST(Fuzzing, DictionariesNameEveryFunctionGuardAndOrder) {
  auto lines = [](const std::string& name) {
    std::ifstream in(std::string(MATCALC_RULES_DIR) + "/../fuzz/" + name);
    std::set<std::string> out;
    for (std::string line; std::getline(in, line);) out.insert(line);
    EXPECT_FALSE(out.empty()) << name;
    return out;
  };
  std::set<std::string> expression = lines("expression.dict"), yaml = lines("yaml.dict");
  for (const KindInfo& k : kKindInfo)
    if ((k.form == Form::Function || k.form == Form::Elementwise) && !k.surface.empty()) {
      EXPECT_TRUE(expression.count("\"" + std::string(k.surface) + "(\"")) << k.surface;
    }
  for (int g = 0; g <= static_cast<int>(Guard::NoDifferential); ++g)
    EXPECT_TRUE(yaml.count("\"" + std::string(guardName(static_cast<Guard>(g))) + "(\"")) << guardName(static_cast<Guard>(g));
  for (Order o : {Order::Rpo, Order::Ordered, Order::Gradient, Order::Builtin})
    EXPECT_TRUE(yaml.count("\"" + std::string(orderName(o)) + "\"")) << orderName(o);
}

}  // namespace
}  // namespace matcalc
