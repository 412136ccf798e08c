//! Element-wise math functions on one float (`abs`, `ceil`, `exp`, `ln`,
//! trigonometry, `round`, `clamp`, ...), as Prometheus'
//! `simpleFloatFunc`-based functions; `clamp` keeps Go's `math.Max`/`math.Min`
//! treatment of NaN and infinities.

use std::f64::consts::PI;

/// The one-argument function called `name`, or None if there is none.
pub fn unary(name: &str) -> Option<fn(f64) -> f64> {
    let function: fn(f64) -> f64 = match name {
        "abs" => f64::abs,
        "ceil" => f64::ceil,
        "floor" => f64::floor,
        "exp" => f64::exp,
        "sqrt" => f64::sqrt,
        "ln" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "asin" => f64::asin,
        "acos" => f64::acos,
        "atan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "asinh" => f64::asinh,
        "acosh" => f64::acosh,
        "atanh" => f64::atanh,
        "deg" => |v| v * 180.0 / PI,
        "rad" => |v| v * PI / 180.0,
        "sgn" => sign,
        _ => return None,
    };
    Some(function)
}

/// -1 or 1 by sign; zero (either sign) and NaN pass through.
fn sign(v: f64) -> f64 {
    if v < 0.0 {
        -1.0
    } else if v > 0.0 {
        1.0
    } else {
        v
    }
}

/// `round(v, to_nearest)`: ties round up. Multiplying by the inverse rather
/// than dividing by `to_nearest` is upstream's choice for fewer rounding
/// artefacts (e.g. to_nearest 0.1).
pub fn round(v: f64, to_nearest: f64) -> f64 {
    let inverse = 1.0 / to_nearest;
    (v * inverse + 0.5).floor() / inverse
}

/// `clamp(v, min, max)`: None when `max < min` (upstream drops the series);
/// a NaN bound gives NaN.
pub fn clamp(v: f64, min: f64, max: f64) -> Option<f64> {
    if max < min {
        return None;
    }
    Some(go_max(min, go_min(max, v)))
}

/// Go's `math.Max`: +Inf wins over NaN, then NaN wins, and +0 beats -0.
fn go_max(x: f64, y: f64) -> f64 {
    if x == f64::INFINITY || y == f64::INFINITY {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && y == 0.0 {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Go's `math.Min`: -Inf wins over NaN, then NaN wins, and -0 beats +0.
fn go_min(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && y == 0.0 {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(name: &str, v: f64) -> f64 {
        unary(name).unwrap()(v)
    }

    #[test]
    fn simple_functions() {
        assert_eq!(apply("abs", -2.5), 2.5);
        assert_eq!(apply("ceil", 1.2), 2.0);
        assert_eq!(apply("floor", -1.2), -2.0);
        assert_eq!(apply("exp", 0.0), 1.0);
        assert_eq!(apply("ln", 1.0), 0.0);
        assert_eq!(apply("ln", 0.0), f64::NEG_INFINITY);
        assert!(apply("ln", -1.0).is_nan());
        assert_eq!(apply("log2", 8.0), 3.0);
        assert_eq!(apply("log10", 1000.0), 3.0);
        assert_eq!(apply("sqrt", 9.0), 3.0);
        assert!(apply("sqrt", -1.0).is_nan());
        assert_eq!(apply("deg", PI), 180.0);
        assert_eq!(apply("rad", 180.0), PI);
        assert!(unary("nope").is_none());
    }

    #[test]
    fn trigonometry() {
        assert_eq!(apply("sin", 0.0), 0.0);
        assert_eq!(apply("cos", 0.0), 1.0);
        assert_eq!(apply("tan", 0.0), 0.0);
        assert_eq!(apply("asin", 1.0), PI / 2.0);
        assert_eq!(apply("acos", 1.0), 0.0);
        assert_eq!(apply("atan", f64::INFINITY), PI / 2.0);
        assert_eq!(apply("sinh", 0.0), 0.0);
        assert_eq!(apply("cosh", 0.0), 1.0);
        assert_eq!(apply("tanh", f64::INFINITY), 1.0);
        assert_eq!(apply("asinh", 0.0), 0.0);
        assert_eq!(apply("acosh", 1.0), 0.0);
        assert_eq!(apply("atanh", 1.0), f64::INFINITY);
        assert!(apply("asin", 2.0).is_nan());
    }

    #[test]
    fn sign_keeps_zero_and_nan() {
        assert_eq!(sign(-3.0), -1.0);
        assert_eq!(sign(0.5), 1.0);
        assert!(sign(-0.0).is_sign_negative());
        assert!(sign(f64::NAN).is_nan());
        assert_eq!(sign(f64::NEG_INFINITY), -1.0);
    }

    #[test]
    fn round_ties_up_to_the_nearest_multiple() {
        assert_eq!(round(2.5, 1.0), 3.0);
        assert_eq!(round(-2.5, 1.0), -2.0);
        assert_eq!(round(1.2345, 0.01), 1.23);
        assert_eq!(round(17.0, 5.0), 15.0);
        assert_eq!(round(-4.5, 1.0), -4.0);
        assert!(round(f64::NAN, 1.0).is_nan());
        assert_eq!(round(f64::INFINITY, 1.0), f64::INFINITY);
    }

    #[test]
    fn clamp_follows_go_min_and_max() {
        // functions.test clamp(-50, 0, 100) etc.
        assert_eq!(clamp(-50.0, -25.0, 75.0), Some(-25.0));
        assert_eq!(clamp(200.0, -25.0, 75.0), Some(75.0));
        assert_eq!(clamp(5.0, 0.0, 0.0), Some(0.0));
        assert_eq!(clamp(5.0, 10.0, 0.0), None);
        assert!(clamp(5.0, 0.0, f64::NAN).unwrap().is_nan());
        assert!(clamp(5.0, f64::NAN, 0.0).unwrap().is_nan());
        assert!(clamp(f64::NAN, 0.0, 1.0).unwrap().is_nan());
        // clamp_min with +Inf max: a NaN value stays NaN, but a +Inf min wins.
        assert!(clamp(f64::NAN, 0.0, f64::INFINITY).unwrap().is_nan());
        assert_eq!(clamp(f64::NAN, f64::INFINITY, f64::INFINITY), Some(f64::INFINITY));
        assert!(clamp(-0.0, 0.0, 1.0).unwrap().is_sign_positive());
    }
}
