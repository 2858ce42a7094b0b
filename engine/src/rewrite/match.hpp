// Matching a rule's left-hand side against a term. Pattern variables are the
// symbols of the rule's scope; their dimensions are pattern dimensions too.
//  - In a matrix product, a matrix or vector variable stands for any run of
//    consecutive factors: <A*C, B*D> matches every split of a product.
//  - Operands of +, scalar products and .* are matched in any order; the
//    last variable takes all remaining operands.
//  - A closed word (a trace of a product, or a 1×1 product) matches any of
//    its rotations and reflections, as the constructors treat them as one.
//  - At the root, a product pattern may match a run inside a longer product
//    (found from its first non-variable factor), and an AC pattern some of
//    the operands; the rest is kept around the result.
// A variable bound to a run is not built as a term until something needs
// the term (a guard, a repeated variable, the right-hand side).
#pragma once
#include <chrono>
#include <memory>
#include <vector>

#include "matcalc/rules.hpp"

namespace matcalc::detail {

// Whether y is x' as the constructors would write it, without making x':
// X and X', A*B and B'*A', c*A and c*A' (the matcher and isSymmetric).
bool isTransposeOf(const Arena& a, Id x, Id y);

// A non-owning callable reference: continuations without allocation.
template <class F>
class FnRef;
template <class R, class... A>
class FnRef<R(A...)> {
 public:
  template <class F>
  FnRef(F&& f) : obj_(const_cast<void*>(static_cast<const void*>(&f))),
                 call_([](void* o, A... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(a...); }) {}
  R operator()(A... a) const { return call_(obj_, a...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

// Wall-clock limit shared by a whole job; checked every so many steps.
struct Deadline {
  std::chrono::steady_clock::time_point end;
  double seconds;
  static Deadline after(double seconds) {
    return {std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<long long>(seconds * 1e6)), seconds};
  }
  void check() const;  // throws Error(Budget)
};

class Matcher {
 public:
  static constexpr int kMaxVars = 16, kMaxDims = 24;
  Matcher(Arena& arena, const Deadline* deadline) : a_(arena), deadline_(deadline) {}

  // Calls accept(before, after) for each match of the rule's lhs at the root
  // of subject until it returns true; returns whether it did. For a product
  // pattern, before/after are the factors left and right of the run; for an
  // AC pattern, before holds the unused operands.
  using Accept = FnRef<bool(std::span<const Id> before, std::span<const Id> after)>;
  // bindingsHold, if given, may refuse a complete binding of the variables
  // before the operands left over at an AC root are gathered, where accept
  // would refuse it too (a guard): `A .* I` with diagonal(A) against a
  // product of k factors then tries k operands, not k times the k - 1 others.
  using Check = FnRef<bool()>;
  bool matchRoot(const Rule& rule, Id subject, Accept accept, const Check* bindingsHold = nullptr);
  // Matches runs of a closed word that wrap around its end (tr(inv(A)*B*A)
  // has A*inv(A) across the end): accept gets the rest of the word after the run.
  bool matchAcrossWrap(const Rule& rule, std::span<const Id> word, Accept accept);

  // The term bound to a variable (built now if it is a run).
  Id term(Id var);
  // Guards that need no term: shape and structure.
  bool boundHasDifferential(Id var) const;
  // The operands a variable is bound to (a run not yet made into a term), or its term.
  std::span<const Id> boundParts(Id var) const;
  Shape boundShape(Id var) const;
  // The pattern with its variables and dimensions replaced; throws Error(Shape).
  Id instantiate(Id pattern);
  // For a rule that distributes over a sum (Rule::distribution): the sum of
  // its image instantiated once per operand of the sum its first and rest
  // variables were bound to; throws Error(Shape).
  Id instantiateOverSum(const Rule::Distribution& d);

 private:
  using Next = FnRef<bool()>;
  struct Bound {
    bool set = false;
    Id term = kNoId;          // the term, once known
    Kind runKind = Kind::Mul;  // else: a run of operands of this kind
    std::vector<Id> run;
    Id runOf = kNoId;  // the AC node whose operands the run is, in its order
    Shape shape;
    // What the rule's guards say of a d(·) in the term (differential(B), nodifferential(B), constant(B)).
    Rule::DifferentialNeed differential = Rule::DifferentialNeed::Any;
    bool allows(bool hasDifferential) const {
      return differential == Rule::DifferentialNeed::Any || hasDifferential == (differential == Rule::DifferentialNeed::Has);
    }
  };

  int varIndex(Id var) const;
  int dimIndex(Dim d);
  bool isVar(Id t) const { return a_.kind(t) == Kind::Symbol && a_.symbolOf(t).scope == rule_->scope; }
  std::size_t mark() const { return trail_.size(); }
  void undo(std::size_t m);
  bool bindDim(Dim p, Dim s);
  const Dim* boundDim(Dim p) const;
  bool settleProducts();
  bool accepted(Accept accept, std::span<const Id> before, std::span<const Id> after);
  bool bindVar(Id var, Id term);
  bool bindRun(Id var, Kind kind, std::span<const Id> run, Id from = kNoId);
  bool sameAsBound(Bound& b, Kind kind, std::span<const Id> run);
  bool match(Id p, Id s, Next k);
  bool matchKids(std::span<const Id> p, std::span<const Id> s, std::size_t i, Next k);
  bool matchRun(std::span<const Id> p, std::size_t i, std::span<const Id> s, std::size_t j, bool openEnd, Next k);
  bool matchAC(Kind kind, std::span<const Id> p, Id subject, bool leftovers, FnRef<bool(std::span<const Id>)> k);
  bool matchClosed(Id p, Id s, Next k);
  bool matchProductRuns(std::span<const Id> p, std::span<const Id> s, FnRef<bool(std::size_t from, std::size_t to)> k);
  void tick();
  void begin(const Rule& rule);

  Arena& a_;
  const Deadline* deadline_;
  const Rule* rule_ = nullptr;
  const Check* bindingsHold_ = nullptr;  // matchRoot's, while it runs
  Bound vars_[kMaxVars];
  Dim dimFrom_[kMaxDims];
  Dim dimTo_[kMaxDims];
  int dimCount_ = 0;
  std::vector<int> trail_;  // >= 0: a variable index; < 0: -(dim index) - 1; <= kDeferredMark: a deferred product
  static constexpr int kDeferredMark = -1000;
  struct DeferredProduct {
    Dim pattern, subject;
  };
  std::vector<DeferredProduct> deferred_;
  std::vector<std::unique_ptr<std::vector<Id>>> scratch_;  // rotated and reflected words being matched (stable addresses)
  std::size_t runEnd_ = 0;               // where the last completed run of factors ended
  std::size_t ticks_ = 0;
};

}  // namespace matcalc::detail
