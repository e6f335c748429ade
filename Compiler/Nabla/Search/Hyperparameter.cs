using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Nabla.Search;

/// <summary>The kind of a <see cref="Hyperparameter"/>: how its values are drawn and mapped to the unit interval.</summary>
public enum HyperparameterKind
{
    /// <summary>A real number uniform in [lo, hi].</summary>
    Uniform,
    /// <summary>A real number whose logarithm is uniform in [ln lo, ln hi] (lo &gt; 0): learning rates, weight decay.</summary>
    LogUniform,
    /// <summary>An integer in [lo, hi], uniform on a linear or (optionally) logarithmic scale.</summary>
    Integer,
    /// <summary>One of a finite list of values (all numbers or all strings), each equally likely.</summary>
    Choice,
}

/// <summary>
/// One named dimension of a <see cref="SearchSpace"/>, with its scale and its mapping to and from the unit interval
/// [0, 1] (the coordinates in which strategies sample and a Gaussian process models the objective):
/// <list type="bullet">
/// <item><see cref="HyperparameterKind.Uniform"/>: u = (x − lo)/(hi − lo).</item>
/// <item><see cref="HyperparameterKind.LogUniform"/>: u = (ln x − ln lo)/(ln hi − ln lo).</item>
/// <item><see cref="HyperparameterKind.Integer"/>: the integers lo..hi own equal cells of [lo − ½, hi + ½] (of its
/// logarithm when <see cref="Log"/>); u maps linearly onto that interval and the result is rounded to the nearest
/// integer (clamped to [lo, hi]); an integer maps to the position of its own value.</item>
/// <item><see cref="HyperparameterKind.Choice"/>: value i of k owns the bin [i/k, (i+1)/k) and maps to its centre (i + ½)/k.</item>
/// </list>
/// Values are <see cref="double"/> (uniform, log-uniform and numeric choices), <see cref="long"/> (integers) or
/// <see cref="string"/> (string choices).
/// </summary>
public sealed class Hyperparameter
{
    private readonly object[] _choices;

    private Hyperparameter(string name, HyperparameterKind kind, double lo, double hi, bool log, object[] choices)
    {
        Name = name; Kind = kind; Lo = lo; Hi = hi; Log = log; _choices = choices;
    }

    /// <summary>The name (letters, digits, '_', '-', '.'; starting with a letter or '_').</summary>
    public string Name { get; }

    /// <summary>The kind of this hyperparameter.</summary>
    public HyperparameterKind Kind { get; }

    /// <summary>The lower bound (uniform, log-uniform, integer); NaN for a choice.</summary>
    public double Lo { get; }

    /// <summary>The upper bound (uniform, log-uniform, integer); NaN for a choice.</summary>
    public double Hi { get; }

    /// <summary>True for a log-uniform real or a log-scaled integer.</summary>
    public bool Log { get; }

    /// <summary>The values of a choice, in order (doubles or strings); empty for other kinds.</summary>
    public IReadOnlyList<object> Choices => _choices;

    /// <summary>True when this is a choice among strings.</summary>
    public bool IsStringChoice => Kind == HyperparameterKind.Choice && _choices[0] is string;

    /// <summary>A real number uniform in [<paramref name="lo"/>, <paramref name="hi"/>].</summary>
    /// <exception cref="ArgumentException">The name is invalid, a bound is not finite, or lo ≥ hi.</exception>
    public static Hyperparameter Uniform(string name, double lo, double hi)
    {
        CheckName(name); CheckRange(name, lo, hi, log: false);
        return new Hyperparameter(name, HyperparameterKind.Uniform, lo, hi, false, Array.Empty<object>());
    }

    /// <summary>A real number log-uniform in [<paramref name="lo"/>, <paramref name="hi"/>] (0 &lt; lo &lt; hi).</summary>
    /// <exception cref="ArgumentException">The name is invalid, a bound is not finite or not positive, or lo ≥ hi.</exception>
    public static Hyperparameter LogUniform(string name, double lo, double hi)
    {
        CheckName(name); CheckRange(name, lo, hi, log: true);
        return new Hyperparameter(name, HyperparameterKind.LogUniform, lo, hi, true, Array.Empty<object>());
    }

    /// <summary>An integer in [<paramref name="lo"/>, <paramref name="hi"/>], on a logarithmic scale when <paramref name="log"/> (then lo ≥ 1).</summary>
    /// <exception cref="ArgumentException">The name is invalid, lo ≥ hi, or lo &lt; 1 on a log scale.</exception>
    public static Hyperparameter Integer(string name, long lo, long hi, bool log = false)
    {
        CheckName(name);
        if (lo >= hi) throw new ArgumentException($"Hyperparameter '{name}': empty integer range {lo}..{hi} (need lo < hi).");
        if (log && lo < 1) throw new ArgumentException($"Hyperparameter '{name}': a log-scaled integer needs lo ≥ 1, got lo = {lo}.");
        if (Math.Abs(lo) > (1L << 52) || Math.Abs(hi) > (1L << 52))
            throw new ArgumentException($"Hyperparameter '{name}': integer bounds {lo}..{hi} exceed ±2^52.");
        return new Hyperparameter(name, HyperparameterKind.Integer, lo, hi, log, Array.Empty<object>());
    }

    /// <summary>One of <paramref name="values"/>: all numbers (any numeric type, kept as doubles) or all strings; at least two, no duplicates.</summary>
    /// <exception cref="ArgumentException">Fewer than two values, a duplicate, a non-finite number, an empty string, or a mix of numbers and strings.</exception>
    public static Hyperparameter Choice(string name, params object[] values)
    {
        CheckName(name);
        if (values == null || values.Length < 2)
            throw new ArgumentException($"Hyperparameter '{name}': a choice needs at least two values, got {values?.Length ?? 0}.");
        bool strings = values[0] is string;
        var norm = new object[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            object v = values[i] ?? throw new ArgumentException($"Hyperparameter '{name}': choice value {i} is null.");
            if (strings)
            {
                if (v is not string s) throw new ArgumentException($"Hyperparameter '{name}': choice mixes strings and numbers ('{Format(v)}').");
                if (s.Length == 0 || s.Trim() != s || s.IndexOfAny(new[] { ',', '{', '}', ';', '"' }) >= 0)
                    throw new ArgumentException($"Hyperparameter '{name}': choice value '{s}' must be non-empty, without surrounding spaces or the characters , {{ }} ; \".");
                norm[i] = s;
            }
            else
            {
                double d = v switch
                {
                    double x => x, float x => x, int x => x, long x => x, short x => x, byte x => x, decimal x => (double)x,
                    _ => throw new ArgumentException($"Hyperparameter '{name}': choice value '{v}' is neither a number nor a string (or mixes with numbers)."),
                };
                if (!double.IsFinite(d)) throw new ArgumentException($"Hyperparameter '{name}': choice value {Format(d)} is not finite.");
                norm[i] = d;
            }
        }
        for (int i = 0; i < norm.Length; i++)
            for (int j = 0; j < i; j++)
                if (norm[i].Equals(norm[j])) throw new ArgumentException($"Hyperparameter '{name}': duplicate choice value '{Format(norm[i])}'.");
        return new Hyperparameter(name, HyperparameterKind.Choice, double.NaN, double.NaN, false, norm);
    }

    /// <summary>
    /// The value at unit coordinate <paramref name="u"/> (clamped to [0, 1]): see the class summary for the mapping.
    /// Returns a double, a long or a string according to <see cref="Kind"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="u"/> is NaN.</exception>
    public object FromUnit(double u)
    {
        if (double.IsNaN(u)) throw new ArgumentException($"Hyperparameter '{Name}': unit coordinate is NaN.");
        u = Math.Clamp(u, 0.0, 1.0);
        if (Kind != HyperparameterKind.Choice && (u == 0 || u == 1)) // the bounds exactly, whatever exp(ln x) rounds to
            return Kind == HyperparameterKind.Integer ? (object)(long)(u == 0 ? Lo : Hi) : (object)(u == 0 ? Lo : Hi);
        switch (Kind)
        {
            case HyperparameterKind.Uniform:
                return Math.Clamp(Lo + u * (Hi - Lo), Lo, Hi);
            case HyperparameterKind.LogUniform:
            {
                double a = Math.Log(Lo), b = Math.Log(Hi);
                return Math.Clamp(Math.Exp(a + u * (b - a)), Lo, Hi);
            }
            case HyperparameterKind.Integer:
            {
                var (a, b) = IntegerEnds();
                double t = a + u * (b - a);
                if (Log) t = Math.Exp(t);
                return (long)Math.Clamp(Math.Floor(t + 0.5), Lo, Hi);
            }
            default:
            {
                int k = _choices.Length;
                return _choices[Math.Min(k - 1, (int)Math.Floor(u * k))];
            }
        }
    }

    /// <summary>The unit coordinate of <paramref name="value"/> (see the class summary); the value must lie in this hyperparameter's domain.</summary>
    /// <exception cref="ArgumentException">The value is of the wrong type or outside the domain; the message names the hyperparameter and the value.</exception>
    public double ToUnit(object value)
    {
        object v = Normalize(value);
        switch (Kind)
        {
            case HyperparameterKind.Uniform:
                return Math.Clamp(((double)v - Lo) / (Hi - Lo), 0, 1);
            case HyperparameterKind.LogUniform:
            {
                double a = Math.Log(Lo), b = Math.Log(Hi);
                return Math.Clamp((Math.Log((double)v) - a) / (b - a), 0, 1);
            }
            case HyperparameterKind.Integer:
            {
                var (a, b) = IntegerEnds();
                double t = (long)v;
                if (Log) t = Math.Log(t);
                return Math.Clamp((t - a) / (b - a), 0, 1);
            }
            default:
                return (IndexOf(v) + 0.5) / _choices.Length;
        }
    }

    /// <summary>
    /// Checks that <paramref name="value"/> belongs to this hyperparameter and returns it in canonical form (a double,
    /// a long or a string; an integral number is accepted for an integer, any number for a real or numeric choice).
    /// </summary>
    /// <exception cref="ArgumentException">The value is of the wrong type or outside the domain; the message names the hyperparameter and the value.</exception>
    public object Normalize(object value)
    {
        if (value == null) throw new ArgumentException($"Hyperparameter '{Name}': value is null.");
        if (Kind == HyperparameterKind.Choice)
        {
            object c = IsStringChoice ? value as string ?? (object)"" : AsDouble(value) is double d ? d : "";
            int i = Array.FindIndex(_choices, x => x.Equals(c));
            if (i < 0) throw new ArgumentException($"Hyperparameter '{Name}': value '{Format(value)}' is not one of {{{string.Join(",", _choices.Select(Format))}}}.");
            return _choices[i];
        }
        double x = AsDouble(value) ?? throw new ArgumentException($"Hyperparameter '{Name}': value '{Format(value)}' is not a number.");
        if (!double.IsFinite(x) || x < Lo || x > Hi)
            throw new ArgumentException($"Hyperparameter '{Name}': value {Format(x)} is outside [{Format(Lo)}, {Format(Hi)}].");
        if (Kind != HyperparameterKind.Integer) return x;
        if (Math.Floor(x) != x) throw new ArgumentException($"Hyperparameter '{Name}': value {Format(x)} is not an integer.");
        return (long)x;
    }

    /// <summary>This hyperparameter in the <see cref="SearchSpace.Parse"/> grammar, with round-trip numbers: <c>lr=0.0001..0.1:log</c>.</summary>
    public override string ToString() => Kind switch
    {
        HyperparameterKind.Uniform => $"{Name}={Format(Lo)}..{Format(Hi)}",
        HyperparameterKind.LogUniform => $"{Name}={Format(Lo)}..{Format(Hi)}:log",
        HyperparameterKind.Integer => $"{Name}={Format(Lo)}..{Format(Hi)}:int" + (Log ? ":log" : ""),
        _ => $"{Name}={{{string.Join(",", _choices.Select(Format))}}}",
    };

    internal int IndexOf(object canonical) => Array.FindIndex(_choices, x => x.Equals(canonical));

    private (double, double) IntegerEnds() => Log ? (Math.Log(Lo - 0.5), Math.Log(Hi + 0.5)) : (Lo - 0.5, Hi + 0.5);

    private static double? AsDouble(object v) => v switch
    {
        double x => x, float x => x, int x => x, long x => x, short x => x, byte x => x, decimal x => (double)x,
        _ => null,
    };

    /// <summary>Formats a value as the log and the grammar do: doubles round-trip ("R", invariant culture).</summary>
    internal static string Format(object v) => v switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v?.ToString() ?? "null",
    };

    private static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("Hyperparameter name is empty.");
        if (!(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            throw new ArgumentException($"Hyperparameter name '{name}' is invalid (letters, digits, '_', '-', '.'; starting with a letter or '_').");
    }

    private static void CheckRange(string name, double lo, double hi, bool log)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi)) throw new ArgumentException($"Hyperparameter '{name}': bounds {Format(lo)}..{Format(hi)} must be finite.");
        if (lo >= hi) throw new ArgumentException($"Hyperparameter '{name}': empty range {Format(lo)}..{Format(hi)} (need lo < hi).");
        if (log && lo <= 0) throw new ArgumentException($"Hyperparameter '{name}': a log scale needs positive bounds, got lo = {Format(lo)}.");
    }
}
