// The constructors' coefficient arithmetic (2*X + 3*X, alpha*alpha^2): a
// rational held in two machine words while it fits, in GMP beyond. Nearly
// every coefficient is small, and an mpq_class allocates on every copy.
#pragma once
#include <gmpxx.h>

#include <cstdint>
#include <memory>
#include <numeric>
#include <string>

#include "matcalc/error.hpp"

namespace matcalc::detail {

// A number is refused (Error(Budget)) when it is made past a million bits
// (about 315 000 digits): GMP cannot be interrupted by a deadline, and a
// product of a few thousand folded powers grew to 25 million bits in 30 s.
inline constexpr std::size_t kMaxNumberBits = std::size_t{1} << 20;
// A rational's size: the bits of its numerator and denominator.
inline std::size_t bitsOf(const mpq_class& q) {
  return mpz_sizeinbase(q.get_num_mpz_t(), 2) + mpz_sizeinbase(q.get_den_mpz_t(), 2);
}
inline void requireModerateNumber(const mpq_class& q) {
  if (bitsOf(q) > kMaxNumberBits)
    throw Error(Error::Category::Budget, "a number of more than " + std::to_string(kMaxNumberBits) + " bits (about 315 000 digits)");
}

class SmallRational {
 public:
  SmallRational(long v = 0) { assign(v, 1); }  // NOLINT: an integer is a rational
  explicit SmallRational(const mpq_class& q) {
    if (mpz_fits_slong_p(q.get_num_mpz_t()) && mpz_fits_slong_p(q.get_den_mpz_t()) &&
        fits(q.get_num().get_si()) && fits(q.get_den().get_si())) {
      n_ = q.get_num().get_si();
      d_ = q.get_den().get_si();
    } else {
      requireModerateNumber(q);
      big_ = std::make_unique<mpq_class>(q);
    }
  }
  SmallRational(const SmallRational& o) : n_(o.n_), d_(o.d_) {
    if (o.big_) big_ = std::make_unique<mpq_class>(*o.big_);
  }
  SmallRational& operator=(const SmallRational& o) {
    if (this != &o) {
      n_ = o.n_;
      d_ = o.d_;
      big_ = o.big_ ? std::make_unique<mpq_class>(*o.big_) : nullptr;
    }
    return *this;
  }
  SmallRational(SmallRational&&) noexcept = default;
  SmallRational& operator=(SmallRational&&) noexcept = default;

  mpq_class toMpq() const {
    if (big_) return *big_;
    mpq_class q(n_, d_);  // already in lowest terms
    return q;
  }
  bool isSmall() const { return !big_; }
  // The value as a long when it is a small integer (the arena's number cache).
  bool smallInteger(long& out) const {
    if (big_ || d_ != 1) return false;
    out = n_;
    return true;
  }
  bool operator==(long v) const { return big_ ? *big_ == v : d_ == 1 && n_ == v; }
  bool operator==(const SmallRational& o) const {  // small values are in lowest terms
    if (!big_ && !o.big_) return n_ == o.n_ && d_ == o.d_;
    return toMpq() == o.toMpq();
  }
  int sign() const { return big_ ? sgn(*big_) : (n_ > 0) - (n_ < 0); }
  SmallRational operator-() const {
    if (big_) return SmallRational(mpq_class(-*big_));
    SmallRational r;
    r.n_ = -n_;
    r.d_ = d_;
    return r;
  }
  // Numerator and denominator while small (isSmall()).
  std::int64_t num() const { return n_; }
  std::int64_t den() const { return d_; }
  bool operator!=(long v) const { return !(*this == v); }

  SmallRational& operator+=(const SmallRational& o) {
    if (!big_ && !o.big_) {
      if (d_ == 1 && o.d_ == 1) return assign(static_cast<__int128>(n_) + o.n_, 1);
      return assign(static_cast<__int128>(n_) * o.d_ + static_cast<__int128>(o.n_) * d_,
                    static_cast<__int128>(d_) * o.d_);
    }
    return setBig(toMpq() + o.toMpq());
  }
  SmallRational& operator/=(const SmallRational& o) {  // o != 0
    if (!big_ && !o.big_) {
      __int128 n = static_cast<__int128>(n_) * o.d_, d = static_cast<__int128>(d_) * o.n_;
      return d < 0 ? assign(-n, -d) : assign(n, d);
    }
    return setBig(toMpq() / o.toMpq());
  }
  SmallRational& operator*=(const SmallRational& o) {
    if (!big_ && !o.big_)
      return assign(static_cast<__int128>(n_) * o.n_, static_cast<__int128>(d_) * o.d_);
    return setBig(toMpq() * o.toMpq());
  }

 private:
  // Small values stay below 2^62 in magnitude, so sums and products of two
  // fit in __int128 without overflow.
  static bool fits(__int128 v) { return v < (__int128{1} << 62) && v > -(__int128{1} << 62); }
  static __int128 gcd(__int128 a, __int128 b) {
    if (a < 0) a = -a;
    while (b != 0) {
      __int128 t = a % b;
      a = b;
      b = t < 0 ? -t : t;
    }
    return a;
  }
  SmallRational& assign(__int128 n, __int128 d) {  // d > 0
    if (d != 1) {
      __int128 g = gcd(n, d);
      if (g > 1) {
        n /= g;
        d /= g;
      }
    }
    big_.reset();
    if (fits(n) && fits(d)) {
      n_ = static_cast<std::int64_t>(n);
      d_ = static_cast<std::int64_t>(d);
      return *this;
    }
    mpq_class q;  // rare: build the exact value through GMP
    mpz_class num = wide(n), den = wide(d);
    q.get_num() = num;
    q.get_den() = den;
    q.canonicalize();
    return setBig(q);
  }
  static mpz_class wide(__int128 v) {
    bool negative = v < 0;
    unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
    mpz_class hi(static_cast<unsigned long>(u >> 64)), lo(static_cast<unsigned long>(u & ~std::uint64_t{0}));
    mpz_class r = (hi << 64) + lo;
    return negative ? mpz_class(-r) : r;
  }
  SmallRational& setBig(const mpq_class& q) {
    SmallRational s(q);  // back to small when it fits again
    *this = std::move(s);
    return *this;
  }

  std::int64_t n_ = 0, d_ = 1;
  std::unique_ptr<mpq_class> big_;
};

}  // namespace matcalc::detail
