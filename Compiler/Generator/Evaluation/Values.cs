using System;
using System.Globalization;
using System.Reflection;

namespace Nabla.Generator.Evaluation;

/// <summary>C# semantics for the built-in operators and conversions on boxed numbers, bools, chars and strings.</summary>
internal static class Values
{
    /// <summary><paramref name="v"/> converted to <paramref name="to"/> as a C# cast would (truncating floats, wrapping integers), enums included.</summary>
    public static object? Convert(object? v, Type to)
    {
        if (v is null) return null;
        var target = Nullable.GetUnderlyingType(to) ?? to;
        if (target.IsInstanceOfType(v) && !(v is Enum && !target.IsEnum && target != typeof(object) && target != typeof(Enum))) return v;
        if (target.IsEnum) return Enum.ToObject(target, ToInt64(v));
        if (IsTuple(target) && IsTuple(v.GetType())) return ConvertTuple(v, target);
        if (!IsNumber(v) || !IsNumberType(target)) return v;
        if (v is double or float)
        {
            double d = v is float f ? f : (double)v;
            return Type.GetTypeCode(target) switch
            {
                TypeCode.Double => d, TypeCode.Single => (float)d, TypeCode.Int32 => unchecked((int)d), TypeCode.Int64 => unchecked((long)d),
                TypeCode.Int16 => unchecked((short)d), TypeCode.UInt16 => unchecked((ushort)d), TypeCode.UInt32 => unchecked((uint)d),
                TypeCode.UInt64 => unchecked((ulong)d), TypeCode.Byte => unchecked((byte)d), TypeCode.SByte => unchecked((sbyte)d),
                TypeCode.Char => unchecked((char)d), TypeCode.Decimal => (decimal)d, _ => v,
            };
        }
        if (v is decimal m) return System.Convert.ChangeType(m, target, CultureInfo.InvariantCulture);
        if (v is ulong u)
            return Type.GetTypeCode(target) switch { TypeCode.Double => (double)u, TypeCode.Single => (float)u, _ => Convert(unchecked((long)u), target) };
        long l = ToInt64(v);
        return Type.GetTypeCode(target) switch
        {
            TypeCode.Double => (double)l, TypeCode.Single => (float)l, TypeCode.Int32 => unchecked((int)l), TypeCode.Int64 => l,
            TypeCode.Int16 => unchecked((short)l), TypeCode.UInt16 => unchecked((ushort)l), TypeCode.UInt32 => unchecked((uint)l),
            TypeCode.UInt64 => unchecked((ulong)l), TypeCode.Byte => unchecked((byte)l), TypeCode.SByte => unchecked((sbyte)l),
            TypeCode.Char => unchecked((char)l), TypeCode.Decimal => (decimal)l, _ => v,
        };
    }

    /// <summary>Converts an argument to a parameter's type where C# would have converted implicitly (numbers, tuples).</summary>
    public static object? Coerce(object? v, Type to)
    {
        if (v is null || to.IsInstanceOfType(v)) return v;
        var target = Nullable.GetUnderlyingType(to) ?? to;
        if (target.IsInstanceOfType(v)) return v;
        return IsNumber(v) && IsNumberType(target) || target.IsEnum || IsTuple(target) ? Convert(v, target) : v;
    }

    private static bool IsTuple(Type t) => t.IsGenericType && t.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true;

    private static object ConvertTuple(object v, Type target)
    {
        var args = target.GetGenericArguments();
        var values = new object?[args.Length];
        for (int i = 0; i < args.Length; i++)
            values[i] = Coerce(v.GetType().GetField("Item" + (i + 1))!.GetValue(v), args[i]);
        return Activator.CreateInstance(target, values)!;
    }

    private static long ToInt64(object v) => v switch
    {
        Enum e => System.Convert.ToInt64(e, CultureInfo.InvariantCulture),
        char c => c,
        _ => System.Convert.ToInt64(v, CultureInfo.InvariantCulture),
    };

    private static bool IsNumber(object v) => v is int or long or double or float or short or ushort or uint or ulong or byte or sbyte or char or decimal;

    private static bool IsNumberType(Type t) => Type.GetTypeCode(t) is >= TypeCode.Char and <= TypeCode.Decimal;

    /// <summary>A built-in binary operator.</summary>
    public static object? Binary(string op, object? a, object? b)
    {
        if (op == "+" && (a is string || b is string)) return Text(a) + Text(b);
        if (op is "==" or "!=")
        {
            bool eq = a is null || b is null ? a is null && b is null
                : IsNumber(a) && IsNumber(b) ? Compare(a, b) == 0
                : a is string || a is bool || a is Enum ? a.Equals(b) : ReferenceEquals(a, b);
            return op == "==" ? eq : !eq;
        }
        if (a is bool x && b is bool y)
            return op switch { "&" => x & y, "|" => x | y, "^" => x ^ y, _ => throw Bad(op, a, b) };
        if (a is null || b is null || !IsNumber(a) || !IsNumber(b)) throw Bad(op, a, b);
        switch (op)
        {
            case "<": return Compare(a, b) < 0;
            case "<=": return Compare(a, b) <= 0;
            case ">": return Compare(a, b) > 0;
            case ">=": return Compare(a, b) >= 0;
        }
        if (a is double or float || b is double or float)
        {
            if (!(a is double || b is double))
            {
                float fp = (float)Convert(a, typeof(float))!, fq = (float)Convert(b, typeof(float))!;
                return op switch { "+" => fp + fq, "-" => fp - fq, "*" => fp * fq, "/" => fp / fq, "%" => fp % fq, _ => throw Bad(op, a, b) };
            }
            double p = (double)Convert(a, typeof(double))!, q = (double)Convert(b, typeof(double))!;
            return op switch { "+" => p + q, "-" => p - q, "*" => p * q, "/" => p / q, "%" => p % q, _ => throw Bad(op, a, b) };
        }
        bool wide = a is long or ulong or uint || b is long or ulong or uint;
        long m = ToInt64(a), n = ToInt64(b);
        if ((op is "/" or "%") && n == 0) throw new DivideByZeroException("Attempted to divide by zero.");
        long res = op switch
        {
            "+" => unchecked(m + n), "-" => unchecked(m - n), "*" => unchecked(m * n), "/" => m / n, "%" => m % n,
            "&" => m & n, "|" => m | n, "^" => m ^ n, "<<" => m << (int)n, ">>" => m >> (int)n, _ => throw Bad(op, a, b),
        };
        return wide ? res : unchecked((int)res);
    }

    /// <summary>A built-in unary operator.</summary>
    public static object? Unary(string op, object? v) => (op, v) switch
    {
        ("!", bool b) => !b,
        ("+", _) when v is not null && IsNumber(v) => v,
        ("-", double d) => -d,
        ("-", float f) => -f,
        ("-", long l) => unchecked(-l),
        ("-", _) when v is not null && IsNumber(v) => unchecked(-(int)ToInt64(v)),
        ("~", long l) => ~l,
        ("~", _) when v is not null && IsNumber(v) => ~(int)ToInt64(v),
        _ => throw new InvalidOperationException($"The operator {op} does not apply to {Text(v)}."),
    };

    private static int Compare(object a, object b)
    {
        if (a is double or float or decimal || b is double or float or decimal)
            return System.Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(System.Convert.ToDouble(b, CultureInfo.InvariantCulture));
        return ToInt64(a).CompareTo(ToInt64(b));
    }

    /// <summary>A value as text, numbers in the invariant culture (what string concatenation and interpolation produce here).</summary>
    public static string Text(object? v) => v switch
    {
        null => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private static InvalidOperationException Bad(string op, object? a, object? b) =>
        new($"The operator {op} does not apply to {a?.GetType().Name ?? "null"} and {b?.GetType().Name ?? "null"}.");

    /// <summary>
    /// The <see cref="EvaluationError"/> in <paramref name="e"/>'s chain of inner exceptions, or null: an error raised in
    /// a lambda of the network method (a custom op's forward or rule) that the DSL called and wrapped in its own message.
    /// </summary>
    public static EvaluationError? Located(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is EvaluationError located) return located;
        return null;
    }

    /// <summary>The value of a member (for messages): the inner exception of a reflective call.</summary>
    public static Exception Unwrap(Exception e)
    {
        while (e is TargetInvocationException { InnerException: { } inner }) e = inner;
        return e;
    }
}
