using System;
using System.Globalization;
using System.Linq;

namespace Nabla.Examples;

/// <summary>
/// Reads <c>--name value</c> options one by one, with typed values checked on the spot: every problem is a
/// <see cref="UsageException"/> naming the option and the value.
/// </summary>
/// <example><code>
/// var a = new OptionReader(args);
/// while (a.Next())
///     switch (a.Name)
///     {
///         case "--steps": o.Steps = a.Int(1, 1_000_000); break;
///         case "--lr": o.Lr = a.Positive(); break;
///         default: throw a.Unknown();
///     }
/// </code></example>
public sealed class OptionReader
{
    private readonly string[] _args;
    private int _i = -1;

    /// <summary>A reader over <paramref name="args"/>.</summary>
    public OptionReader(string[] args) => _args = args ?? throw new ArgumentNullException(nameof(args));

    /// <summary>The option being read (e.g. <c>--lr</c>).</summary>
    public string Name { get; private set; } = "";

    /// <summary>Moves to the next option; false when there are no more.</summary>
    public bool Next()
    {
        if (++_i >= _args.Length) return false;
        Name = _args[_i];
        return true;
    }

    /// <summary>The option's value (the next argument).</summary>
    public string String()
    {
        if (_i + 1 >= _args.Length) throw new UsageException($"{Name} needs a value.");
        // "--save --steps 5" forgot the file name: the next option is not taken as the value.
        if (_args[_i + 1].StartsWith("--", StringComparison.Ordinal))
            throw new UsageException($"{Name} needs a value, but the next argument '{_args[_i + 1]}' is an option.");
        return _args[++_i];
    }

    /// <summary>An integer value in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Int(int min = 1, int max = int.MaxValue)
    {
        string v = String();
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)) throw new UsageException($"{Name}: '{v}' is not an integer.");
        if (n < min || n > max) throw new UsageException($"{Name}: must be in {min}..{max}, got {n}.");
        return n;
    }

    /// <summary>A 64-bit integer value (a seed).</summary>
    public long Long()
    {
        string v = String();
        return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : throw new UsageException($"{Name}: '{v}' is not an integer.");
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public double Double(double min = double.MinValue, double max = double.MaxValue)
    {
        string v = String();
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !double.IsFinite(x))
            throw new UsageException($"{Name}: '{v}' is not a finite number.");
        if (x < min || x > max)
            throw new UsageException($"{Name}: must be in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}], got {v}.");
        return x;
    }

    /// <summary>A finite number greater than zero (a learning rate, a temperature).</summary>
    public double Positive()
    {
        string v = String();
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !double.IsFinite(x))
            throw new UsageException($"{Name}: '{v}' is not a finite number.");
        return x > 0 ? x : throw new UsageException($"{Name}: must be positive, got {v}.");
    }

    /// <summary>One of <paramref name="choices"/> (compared ignoring case; returned in lower case); otherwise e.g. <c>--backend: unknown backend 'llvm' (roslyn, expressions).</c></summary>
    public string Choice(params string[] choices)
    {
        string v = String().Trim().ToLowerInvariant();
        return choices.Contains(v) ? v : throw new UsageException($"{Name}: unknown {Name.TrimStart('-')} '{v}' ({string.Join(", ", choices)}).");
    }

    /// <summary>The error for an option nobody recognised.</summary>
    public UsageException Unknown() => new($"unknown option '{Name}' (--help lists them).");
}
