// The identity catalog, verified twice.
//  - Identity.<name>: every entry's statement is a RapidCheck property, as rules are.
//  - Gradient.<name>: the engine's gradient of every gradient entry, under the
//    entry's guards, agrees with the exact directional derivative (dual
//    numbers; symmetric directions for a symmetric X) and with the stated
//    gradient; an entry the engine cannot derive is skipped, with the reason.
//  - Catalog.*: coverage (sections, counts, symbolic reproduction) and lookup.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "matcalc/catalog.hpp"
#include "matcalc/print.hpp"
#include "rapidcheck_source.hpp"

namespace matcalc {
namespace {

struct Fixture {
  Arena arena;
  RuleSet rules;
  Catalog catalog;
  Fixture() {
    rules.loadDirectory(arena, MATCALC_RULES_DIR);
    catalog.loadDirectory(arena, MATCALC_IDENTITIES_DIR);
  }
};
Fixture& fixture() {
  static Fixture f;
  return f;
}

enum class Outcome { Reproduced, Gap };
Outcome derive(const CatalogEntry& e, std::string& message) {
  Fixture& f = fixture();
  Arena& a = f.arena;
  GradientResult g;
  try {
    g = gradient(a, f.rules, e.lhs, e.wrt, e.where);  // the entry's guards, as --assume gives them
  } catch (const Error& err) {
    if (err.category() != Error::Category::Unsupported && err.category() != Error::Category::Budget) throw;
    message = err.what();
    return Outcome::Gap;
  }
  NumericCheck exact = checkGradient(a, e.lhs, e.wrt, g.gradient, 10, 3, e.where);
  EXPECT_GE(exact.points, 5) << e.name << ": too few points where the function is defined";
  EXPECT_LE(exact.maxError, kGradientTolerance)
      << e.name << ": the engine's gradient " << toText(a, g.display) << " disagrees with the directional derivative: " << exact.worst;
  // Equal to the catalog's G wherever the entry's guards hold (symmetric W …).
  CheckSummary stated = check(a, Identity{g.gradient, e.rhs, e.where}, 20, 5);
  EXPECT_TRUE(stated.ok) << e.name << ": the engine's gradient " << toText(a, g.display) << " differs from the catalog's "
                         << toText(a, e.rhs) << ": " << stated.detail;
  return Outcome::Reproduced;
}

class GradientEntry : public ::testing::Test {
 public:
  explicit GradientEntry(const CatalogEntry& e) : e_(e) {}
  void TestBody() override {
    std::string why;
    if (derive(e_, why) == Outcome::Gap) GTEST_SKIP() << e_.name << " (" << e_.location() << "): not derived yet: " << why;
  }

 private:
  const CatalogEntry& e_;
};

TEST(GradientCoverage, SlidesExamplesAndAtLeastFortyMoreAreDerived) {
  int reproduced = 0, total = 0;
  std::vector<std::string> gaps;
  for (const CatalogEntry& e : fixture().catalog.entries()) {
    if (e.form != CatalogEntry::Form::Gradient) continue;
    ++total;
    std::string why;
    ::testing::Test::RecordProperty("entry", e.name);
    if (derive(e, why) == Outcome::Reproduced) ++reproduced;
    else gaps.push_back(e.name + ": " + why);
    if (e.name.rfind("slides-", 0) == 0) {
      EXPECT_TRUE(gaps.empty() || gaps.back().rfind(e.name, 0) != 0) << "a slides example is not derived: " << gaps.back();
    }
  }
  std::cout << reproduced << " of " << total << " catalog gradients derived\n";
  for (const std::string& g : gaps) std::cout << "  gap: " << g << "\n";
  EXPECT_GE(reproduced, 44);
}

class IdentityProperty : public ::testing::Test {
 public:
  explicit IdentityProperty(const CatalogEntry& e) : e_(e) {}
  void TestBody() override {
    Arena& a = fixture().arena;
    Identity id = verificationIdentity(a, e_, &fixture().rules);
    bool ok = rc::check(e_.name + " [" + e_.location() + "]", [&] {
      testing::RapidCheckSource source;
      TrialResult t = checkOnce(a, id, source);
      RC_PRE(t.outcome != TrialResult::Outcome::NoSample);
      if (t.outcome != TrialResult::Outcome::Equal) RC_FAIL(std::string(methodName(t.method)) + ": " + t.detail);
    });
    EXPECT_TRUE(ok) << "catalog entry " << e_.name << " (" << e_.location() << ") does not hold: " << e_.statement;
  }

 private:
  const CatalogEntry& e_;
};

TEST(Catalog, CoversTheCookbookSectionsAndTheSlides) {
  std::set<std::string> sections;
  for (const CatalogEntry& e : fixture().catalog.entries()) sections.insert(e.section.substr(0, 3));
  for (const char* s : {"2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "Sli"}) EXPECT_TRUE(sections.count(s)) << "no section " << s;
  EXPECT_GE(fixture().catalog.entries().size(), 100u);
}

// A rule's dimensions are internal ("_864"); its LaTeX names them m, n, … (K_{m,n}).
TEST(Catalog, LatexShowsNoInternalDimensionNames) {
  Fixture& f = fixture();
  int commutations = 0;
  for (const Rule& r : f.rules.rules())
    for (Id side : {r.lhsRaw, r.rhsRaw}) {
      std::string latex = toLatex(f.arena, side);
      EXPECT_EQ(latex.find("{_"), std::string::npos) << r.name << ": " << latex;
      EXPECT_EQ(latex.find(",_"), std::string::npos) << r.name << ": " << latex;
      commutations += latex.find("K_{") != std::string::npos;
    }
  EXPECT_GT(commutations, 0);  // the check saw a commutation matrix
}

TEST(Catalog, EveryEntryIsReproducedSymbolically) {
  Fixture& f = fixture();
  std::size_t symbolic = 0, total = f.catalog.entries().size();
  for (const CatalogEntry& e : f.catalog.entries()) {
    EntryStatus s = verifyEntry(f.arena, f.rules, e, 10, 1);
    EXPECT_TRUE(s.numeric.ok) << e.name << ": " << s.numeric.detail;
    if (s.symbolic == EntryStatus::Symbolic::Reproduced) ++symbolic;
    else ADD_FAILURE() << e.name << " (" << e.location() << ") is not reproduced symbolically: " << s.detail;
  }
  std::cout << symbolic << " of " << total << " entries reproduced symbolically\n";
  EXPECT_EQ(symbolic, total);
}

// The source's printed forms that a note calls wrong are refuted by the same
// verification that accepts the corrected entries (and each such entry has its note).
// A catalog file written from `text` into the test's temporary directory, loaded.
Catalog catalogFromText(Arena& arena, const std::string& file, const char* text) {
  std::string path = ::testing::TempDir() + "/" + file;
  std::ofstream(path) << text;
  Catalog catalog;
  catalog.loadFile(arena, path);
  return catalog;
}

TEST(Catalog, ErrataAreRefutedAsPrinted) {
  Fixture& f = fixture();
  const char* printed = R"(section: "as the Cookbook prints them"
entries:
  - name: symmetric-trace-as-printed
    statement: grad tr(A*X) wrt X = A + A' - A .* I
    where: [symmetric(X)]
    source: Matrix Cookbook (Nov 2012) §2.8.2
  - name: symmetric-det-as-printed
    statement: grad det(X) wrt X = det(X)*(2*inv(X) - inv(X) .* I)
    where: [symmetric(X), invertible(X)]
    source: Matrix Cookbook (Nov 2012) §2.8.2
  - name: symmetric-logdet-as-printed
    statement: grad logdet(X) wrt X = 2*inv(X) - inv(X) .* I
    where: [spd(X)]
    source: Matrix Cookbook (Nov 2012) §2.8.2
  - name: inverse-quadratic-form-unsymmetric-c
    statement: grad tr(inv(X'*C*X)*A) wrt X = -(C*X*inv(X'*C*X))*(A + A')*inv(X'*C*X)
    where: [fullcolrank(X)]
    source: Matrix Cookbook (Nov 2012) §2.5.4 without its assumption that C is symmetric
)";
  Catalog wrong = catalogFromText(f.arena, "errata-as-printed.yaml", printed);
  ASSERT_EQ(wrong.entries().size(), 4u);
  for (const CatalogEntry& e : wrong.entries()) EXPECT_FALSE(verifyEntry(f.arena, f.rules, e, 10, 1).numeric.ok) << e.name << " verified";
  std::size_t errata = 0;
  for (const CatalogEntry& e : f.catalog.entries())
    if (std::count(e.tags.begin(), e.tags.end(), "erratum")) {
      ++errata;
      EXPECT_FALSE(e.note.empty()) << e.name << " is tagged erratum without a note";
    }
  EXPECT_GE(errata, 3u);
}

// Along symmetric (diagonal) directions alone G and G' (G .* I) agree: a
// gradient within such matrices must also be symmetric (diagonal) itself.
TEST(Catalog, StructuredGradientsMustHaveTheStructure) {
  Fixture& f = fixture();
  const char* text = R"(section: "structured"
entries:
  - name: diagonal-unprojected
    statement: grad tr(A*X) wrt X = A
    where: [diagonal(X)]
    source: test
  - name: symmetric-unprojected
    statement: grad a'*X*b wrt X = a*b'
    where: [symmetric(X)]
    source: test
  - name: diagonal-projected
    statement: grad tr(A*X) wrt X = A .* I
    where: [diagonal(X)]
    source: test
  - name: symmetric-projected
    statement: grad a'*X*b wrt X = (a*b' + b*a')/2
    where: [symmetric(X)]
    source: test
)";
  Catalog entries = catalogFromText(f.arena, "structured-gradients.yaml", text);
  ASSERT_EQ(entries.entries().size(), 4u);
  for (const CatalogEntry& e : entries.entries()) {
    bool projected = e.name.find("-projected") != std::string::npos;
    EXPECT_EQ(verifyEntry(f.arena, f.rules, e, 10, 1).numeric.ok, projected) << e.name;
  }
}

TEST(Catalog, LookupFindsEntriesByStructureWhateverTheLetters) {
  Fixture& f = fixture();
  auto hits = lookup(f.arena, f.rules, f.catalog, "tr(P*Y*Q)");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].entry->statement.rfind("grad tr(A*X*B) wrt X", 0), 0u) << hits[0].entry->statement;
  auto grad = lookup(f.arena, f.rules, f.catalog, "grad logdet(S) wrt S");
  ASSERT_FALSE(grad.empty());
  EXPECT_NE(grad[0].entry->statement.find("logdet(X) wrt X"), std::string::npos) << grad[0].entry->statement;
  auto words = lookup(f.arena, f.rules, f.catalog, "softmax regression");
  ASSERT_FALSE(words.empty());
  for (const LookupHit& h : words) EXPECT_EQ(h.score, 1);
  EXPECT_TRUE(lookup(f.arena, f.rules, f.catalog, "no such thing anywhere").empty());
  auto eq = lookup(f.arena, f.rules, f.catalog, "eq 101");  // a Cookbook equation by number
  ASSERT_FALSE(eq.empty());
  EXPECT_EQ(eq[0].entry->name, "grad-trace-axb");
  EXPECT_TRUE(lookup(f.arena, f.rules, f.catalog, "eq 12").empty()) << "a number matches only as a whole number (not 120-128)";
  auto notes = lookup(f.arena, f.rules, f.catalog, "Srinivasan erratum");  // words of a note are searched
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes[0].entry->note.find("arXiv:1911.06491"), std::string::npos) << notes[0].entry->name;
}

}  // namespace
}  // namespace matcalc

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (const matcalc::CatalogEntry& e : matcalc::fixture().catalog.entries()) {
    std::string testName = e.name;
    std::replace(testName.begin(), testName.end(), '-', '_');  // '-' means "exclude" in gtest filters
    ::testing::RegisterTest("Identity", testName.c_str(), nullptr, nullptr, e.file.c_str(), e.line,
                            [&e]() -> ::testing::Test* { return new matcalc::IdentityProperty(e); });
    if (e.form != matcalc::CatalogEntry::Form::Gradient) continue;
    ::testing::RegisterTest("Gradient", testName.c_str(), nullptr, nullptr, e.file.c_str(), e.line,
                            [&e]() -> ::testing::Test* { return new matcalc::GradientEntry(e); });
  }
  return RUN_ALL_TESTS();
}
