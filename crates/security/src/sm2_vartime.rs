//! `[s]G + [t]P` on the SM2 curve in variable time, for verifying signatures only.
//!
//! The `sm2` crate's points use complete projective formulas, which are right for every input
//! and cost the same whatever the input: what signing needs. A verification handles nothing
//! secret (the key, the signature and the message are public), and its cost is nearly all in
//! the 256 doublings of the scalar multiplication. Here points are in Jacobian coordinates,
//! whose doubling on a curve with `a = -3` (SM2's, GB/T 32918.5-2017 §3) costs 3
//! multiplications and 5 squarings ("dbl-2001-b" of the Explicit-Formulas Database) against
//! about 11 multiplications for the complete formula, and additions take affine points from
//! tables ("madd-2007-bl"), handling the exceptional cases (equal points, opposite points,
//! the identity) apart. The two multiplications share their doublings (Shamir's trick) over
//! width-w NAF digits: the generator's table (window 7) is built once per process, a key's
//! (window 5) once per key. Field arithmetic is the `sm2` crate's (fiat-crypto).
//!
//! Tests check every result against the crate's own constant-time arithmetic.

use primeorder::{FieldArithmetic, PrimeCurveParams};
use sm2::elliptic_curve::ff::PrimeField;
use sm2::elliptic_curve::ops::Invert;
use sm2::elliptic_curve::point::AffineCoordinates;
use std::sync::OnceLock;

type Fe = <sm2::Sm2 as FieldArithmetic>::FieldElement;

/// The generator's window: 32 odd multiples, 2 KiB once per process.
const G_WINDOW: u32 = 7;
/// A key's window: 8 odd multiples, 512 octets per key.
const KEY_WINDOW: u32 = 5;

/// A point `(x, y)` of the curve, never the identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Affine {
    x: Fe,
    y: Fe,
}

/// A point `(X / Z², Y / Z³)`; `Z = 0` is the identity.
#[derive(Clone, Copy, Debug)]
struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Jacobian {
    const IDENTITY: Jacobian = Jacobian {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    fn is_identity(&self) -> bool {
        bool::from(self.z.is_zero())
    }

    fn from_affine(p: &Affine) -> Self {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    /// `2 self`: dbl-2001-b (a = -3). A point of a curve of prime order has no `y = 0` but
    /// the identity, which doubles to itself (`Z3 = 2 Y Z = 0`).
    fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x * gamma;
        let t = (self.x - delta) * (self.x + delta);
        let alpha = t.double() + t;
        let beta4 = beta.double().double();
        let x3 = alpha.square() - beta4.double();
        let z3 = (self.y + self.z).square() - gamma - delta;
        let gamma2_8 = gamma.square().double().double().double();
        let y3 = alpha * (beta4 - x3) - gamma2_8;
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `self + q`: madd-2007-bl, with the cases it does not cover (`self` the identity,
    /// `self = q`, `self = -q`) taken apart.
    fn add_affine(&self, q: &Affine) -> Self {
        if self.is_identity() {
            return Jacobian::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x * z1z1;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - self.x;
        let r = (s2 - self.y).double();
        if bool::from(h.is_zero()) {
            return if bool::from(r.is_zero()) {
                self.double()
            } else {
                Jacobian::IDENTITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h * i;
        let v = self.x * i;
        let x3 = r.square() - j - v.double();
        let y3 = r * (v - x3) - (self.y * j).double();
        let z3 = (self.z + h).square() - z1z1 - hh;
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// The affine x coordinate; `None` for the identity.
    fn affine_x(&self) -> Option<Fe> {
        let z_inv = Option::<Fe>::from(self.z.invert_vartime())?;
        Some(self.x * z_inv.square())
    }

    fn to_affine(self) -> Option<Affine> {
        let z_inv = Option::<Fe>::from(self.z.invert_vartime())?;
        let z_inv2 = z_inv.square();
        Some(Affine {
            x: self.x * z_inv2,
            y: self.y * z_inv2 * z_inv,
        })
    }
}

/// `P, 3P, 5P, ..., (2^(w-1) - 1)P` in affine coordinates: what w-NAF digits pick from.
#[derive(Clone)]
pub(crate) struct OddMultiples(Vec<Affine>);

impl OddMultiples {
    fn new(p: Affine, window: u32) -> Self {
        let count = 1usize << (window - 2);
        // 2P in affine once, so that each next multiple is a mixed addition; then all of them
        // to affine with one inversion (Montgomery's trick): a key's table costs two
        // inversions, not one per point.
        let two_p = Jacobian::from_affine(&p)
            .double()
            .to_affine()
            .expect("2P of a point of prime order is not the identity");
        let mut jacobian = Vec::with_capacity(count);
        jacobian.push(Jacobian::from_affine(&p));
        for k in 1..count {
            let next = jacobian[k - 1].add_affine(&two_p);
            jacobian.push(next);
        }
        // Odd multiples below the group order are never the identity: no Z is zero.
        let mut products = Vec::with_capacity(count);
        let mut product = Fe::ONE;
        for q in &jacobian {
            product *= q.z;
            products.push(product);
        }
        let mut inverse = Option::<Fe>::from(product.invert_vartime())
            .expect("odd multiples below the order are not the identity");
        let mut table = vec![p; count];
        for k in (0..count).rev() {
            // inverse is 1 / (z_0 ... z_k) here.
            let z_inv = if k == 0 {
                inverse
            } else {
                inverse * products[k - 1]
            };
            inverse *= jacobian[k].z;
            let z_inv2 = z_inv.square();
            table[k] = Affine {
                x: jacobian[k].x * z_inv2,
                y: jacobian[k].y * z_inv2 * z_inv,
            };
        }
        OddMultiples(table)
    }

    /// `digit P` for an odd digit of the window.
    fn pick(&self, digit: i8) -> Affine {
        let p = self.0[(digit.unsigned_abs() as usize) >> 1];
        if digit > 0 {
            p
        } else {
            Affine { x: p.x, y: -p.y }
        }
    }

    /// The table of a public key's point.
    pub(crate) fn of_key(key: &sm2::PublicKey) -> Self {
        let point = key.as_affine();
        let fe = |b: sm2::FieldBytes| {
            Option::<Fe>::from(Fe::from_repr(b))
                .expect("a public key's coordinates are in the field")
        };
        OddMultiples::new(
            Affine {
                x: fe(point.x()),
                y: fe(point.y()),
            },
            KEY_WINDOW,
        )
    }
}

fn generator_table() -> &'static OddMultiples {
    static TABLE: OnceLock<OddMultiples> = OnceLock::new();
    TABLE.get_or_init(|| {
        let (x, y) = sm2::Sm2::GENERATOR;
        OddMultiples::new(Affine { x, y }, G_WINDOW)
    })
}

/// The width-`window` NAF of `k` (big-endian octets), least significant digit first: every
/// digit zero or odd in `(-2^(window-1), 2^(window-1))`, and of any `window` consecutive
/// digits at most one not zero.
fn wnaf(k: &[u8; 32], window: u32) -> [i8; 257] {
    // Five little-endian limbs: the fifth takes the carry that a negative digit adds.
    let mut limbs = [0u64; 5];
    for (i, chunk) in k.rchunks(8).enumerate() {
        limbs[i] = u64::from_be_bytes(chunk.try_into().expect("8 octets"));
    }
    let mut digits = [0i8; 257];
    let width = 1i64 << window;
    let mut i = 0;
    while limbs.iter().any(|&l| l != 0) {
        if limbs[0] & 1 == 1 {
            let mut d = (limbs[0] & (width as u64 - 1)) as i64;
            if d >= width / 2 {
                d -= width;
            }
            digits[i] = d as i8;
            // k -= d, so that k becomes divisible by 2^window.
            if d > 0 {
                let mut borrow = d as u64;
                for l in limbs.iter_mut() {
                    let (v, b) = l.overflowing_sub(borrow);
                    *l = v;
                    borrow = u64::from(b);
                    if borrow == 0 {
                        break;
                    }
                }
            } else {
                let mut carry = (-d) as u64;
                for l in limbs.iter_mut() {
                    let (v, c) = l.overflowing_add(carry);
                    *l = v;
                    carry = u64::from(c);
                    if carry == 0 {
                        break;
                    }
                }
            }
        }
        for j in 0..4 {
            limbs[j] = (limbs[j] >> 1) | (limbs[j + 1] << 63);
        }
        limbs[4] >>= 1;
        i += 1;
    }
    digits
}

/// The affine x coordinate of `[s]G + [t]P`, `P` given by its table; `None` when the sum is
/// the identity.
pub(crate) fn x_of_s_g_plus_t_p(
    s: &sm2::Scalar,
    t: &sm2::Scalar,
    key: &OddMultiples,
) -> Option<sm2::FieldBytes> {
    let s_digits = wnaf(&s.to_repr().into(), G_WINDOW);
    let t_digits = wnaf(&t.to_repr().into(), KEY_WINDOW);
    let g = generator_table();
    let top = (0..257)
        .rev()
        .find(|&i| s_digits[i] != 0 || t_digits[i] != 0);
    let mut acc = Jacobian::IDENTITY;
    if let Some(top) = top {
        for i in (0..=top).rev() {
            acc = acc.double();
            if s_digits[i] != 0 {
                acc = acc.add_affine(&g.pick(s_digits[i]));
            }
            if t_digits[i] != 0 {
                acc = acc.add_affine(&key.pick(t_digits[i]));
            }
        }
    }
    acc.affine_x().map(|x| x.to_repr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sm2::elliptic_curve::Group;

    /// The crate's `[s]G + [t]P`, constant time, as the reference.
    fn reference(s: &sm2::Scalar, t: &sm2::Scalar, p: &sm2::PublicKey) -> Option<sm2::FieldBytes> {
        let sum = sm2::ProjectivePoint::mul_by_generator(s)
            + sm2::ProjectivePoint::from(*p.as_affine()) * t;
        (!bool::from(sum.is_identity())).then(|| sum.to_affine().x())
    }

    fn scalar(bytes: [u8; 32]) -> sm2::Scalar {
        use sm2::elliptic_curve::ops::Reduce;
        <sm2::Scalar as Reduce<sm2::FieldBytes>>::reduce(&bytes.into())
    }

    fn key(secret: &sm2::Scalar) -> Option<sm2::PublicKey> {
        sm2::PublicKey::from_affine(sm2::ProjectivePoint::mul_by_generator(secret).to_affine()).ok()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn agrees_with_the_crates_arithmetic(s in any::<[u8; 32]>(), t in any::<[u8; 32]>(), d in any::<[u8; 32]>()) {
            let (s, t, d) = (scalar(s), scalar(t), scalar(d));
            let Some(p) = key(&d) else { return Ok(()) };
            prop_assert_eq!(x_of_s_g_plus_t_p(&s, &t, &OddMultiples::of_key(&p)), reference(&s, &t, &p));
        }

        /// The digits put back together give the scalar.
        #[test]
        fn wnaf_digits_make_the_scalar(k in any::<[u8; 32]>(), window in 2u32..8) {
            let digits = wnaf(&k, window);
            // In 512 bits: a 256-bit k may need a 257th digit.
            use sm2::elliptic_curve::bigint::U512;
            let mut sum = U512::ZERO;
            let mut negative = U512::ZERO;
            for (i, &d) in digits.iter().enumerate() {
                let v = U512::from_u64(d.unsigned_abs() as u64).shl_vartime(i as u32);
                if d > 0 { sum = sum.wrapping_add(&v) } else if d < 0 { negative = negative.wrapping_add(&v) }
                prop_assert!(d == 0 || (d % 2 != 0 && (d.unsigned_abs() as i64) < 1 << (window - 1)));
            }
            let mut k512 = [0u8; 64];
            k512[32..].copy_from_slice(&k);
            prop_assert_eq!(sum.wrapping_sub(&negative), U512::from_be_slice(&k512));
            for w in digits.windows(window as usize) {
                prop_assert!(w.iter().filter(|&&d| d != 0).count() <= 1);
            }
        }
    }

    /// The exceptional cases of the addition: the accumulator equal to the point added
    /// (`[s]G + [t]P` with `P = G`, `t = s` doubles) and its opposite (`t = -s` gives the
    /// identity), and the smallest and largest scalars.
    #[test]
    fn exceptional_sums() {
        let one = sm2::Scalar::ONE;
        let g = key(&one).expect("G");
        let table = OddMultiples::of_key(&g);
        for s in [one, one.double(), -one, scalar([0x5A; 32])] {
            assert_eq!(x_of_s_g_plus_t_p(&s, &s, &table), reference(&s, &s, &g));
            assert_eq!(x_of_s_g_plus_t_p(&s, &-s, &table), None);
            assert_eq!(
                x_of_s_g_plus_t_p(&s, &sm2::Scalar::ZERO, &table),
                reference(&s, &sm2::Scalar::ZERO, &g)
            );
        }
        assert_eq!(
            x_of_s_g_plus_t_p(&sm2::Scalar::ZERO, &sm2::Scalar::ZERO, &table),
            None
        );
    }
}
