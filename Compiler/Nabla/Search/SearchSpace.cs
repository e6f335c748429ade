using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Nabla.Search;

/// <summary>
/// An ordered list of named <see cref="Hyperparameter"/>s, mapped to and from the unit cube [0, 1]^d (dimension i is
/// hyperparameter i). Written compactly with <see cref="Parse"/>; <see cref="ToString"/> gives the canonical spec
/// (round-trip numbers) that a search log records to check that a resumed search uses the same space.
/// </summary>
public sealed class SearchSpace
{
    private readonly Hyperparameter[] _params;
    private readonly Dictionary<string, int> _index;

    /// <summary>A space of the given hyperparameters, in order.</summary>
    /// <exception cref="ArgumentException">No hyperparameter, or a duplicate name.</exception>
    public SearchSpace(IEnumerable<Hyperparameter> parameters)
    {
        _params = parameters?.ToArray() ?? throw new ArgumentNullException(nameof(parameters));
        if (_params.Length == 0) throw new ArgumentException("A search space needs at least one hyperparameter.");
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _params.Length; i++)
            if (!_index.TryAdd(_params[i].Name, i)) throw new ArgumentException($"Hyperparameter '{_params[i].Name}' is defined twice.");
    }

    /// <summary>A space of the given hyperparameters, in order.</summary>
    public SearchSpace(params Hyperparameter[] parameters) : this((IEnumerable<Hyperparameter>)parameters) { }

    /// <summary>The hyperparameters, in order.</summary>
    public IReadOnlyList<Hyperparameter> Parameters => _params;

    /// <summary>The number of dimensions d.</summary>
    public int Dimension => _params.Length;

    /// <summary>The hyperparameter called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such hyperparameter (the message lists the known ones).</exception>
    public Hyperparameter this[string name] => _index.TryGetValue(name, out int i) ? _params[i]
        : throw new KeyNotFoundException($"Unknown hyperparameter '{name}' (the space has: {string.Join(", ", _params.Select(p => p.Name))}).");

    /// <summary>True when the space has a hyperparameter called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>
    /// Parses a compact spec: hyperparameters separated by ';' (a trailing ';' and spaces around tokens are allowed).
    /// <code>
    /// spec   := param (';' param)*
    /// param  := name '=' domain
    /// name   := [A-Za-z_][A-Za-z0-9_.-]*
    /// domain := number '..' number               uniform real in [lo, hi]
    ///         | number '..' number ':log'        log-uniform real (lo &gt; 0)
    ///         | number '..' number ':int'        integer in [lo, hi] (':int:log' or ':log:int' for a log scale, lo ≥ 1)
    ///         | '{' item (',' item)* '}'         choice: numbers if every item is a number, else strings
    /// number := invariant-culture floating point (1e-4, 0.5, 128)
    /// </code>
    /// Example: <c>lr=1e-4..1e-1:log; hidden={64,100,128,256}; dropout=0..0.5; optimizer={sgd,momentum,adam}</c>.
    /// </summary>
    /// <exception cref="FormatException">A one-line message naming the hyperparameter and the bad part: empty spec or
    /// name, missing '=', unparsable number, empty range (lo ≥ hi), non-positive bound on a log scale, non-integer
    /// integer bound, unknown scale suffix, fewer than two or duplicate choices, duplicate name.</exception>
    public static SearchSpace Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw new FormatException("Search space spec is empty.");
        var list = new List<Hyperparameter>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in spec.Split(';'))
        {
            string part = raw.Trim();
            if (part.Length == 0) continue;
            int eq = part.IndexOf('=');
            if (eq < 0) throw new FormatException($"Search space: '{part}' has no '=' (expected name=domain).");
            string name = part.Substring(0, eq).Trim(), domain = part.Substring(eq + 1).Trim();
            if (name.Length == 0) throw new FormatException($"Search space: empty hyperparameter name in '{part}'.");
            if (!seen.Add(name)) throw new FormatException($"Search space: hyperparameter '{name}' is defined twice.");
            try { list.Add(ParseOne(name, domain)); }
            catch (ArgumentException e) { throw new FormatException("Search space: " + e.Message, e); }
        }
        if (list.Count == 0) throw new FormatException("Search space spec has no hyperparameter.");
        return new SearchSpace(list);
    }

    private static Hyperparameter ParseOne(string name, string domain)
    {
        if (domain.StartsWith('{'))
        {
            if (!domain.EndsWith('}')) throw new FormatException($"Search space: hyperparameter '{name}': choice '{domain}' has no closing '}}'.");
            var items = domain.Substring(1, domain.Length - 2).Split(',').Select(s => s.Trim()).ToArray();
            if (items.Any(s => s.Length == 0)) throw new FormatException($"Search space: hyperparameter '{name}': empty value in choice '{domain}'.");
            bool numeric = items.All(s => TryNumber(s, out _));
            return Hyperparameter.Choice(name, numeric ? items.Select(s => { TryNumber(s, out double d); return (object)d; }).ToArray() : items.Cast<object>().ToArray());
        }
        var pieces = domain.Split(':').Select(s => s.Trim()).ToArray();
        int dots = pieces[0].IndexOf("..", StringComparison.Ordinal);
        if (dots < 0) throw new FormatException($"Search space: hyperparameter '{name}': domain '{domain}' is neither lo..hi nor {{a,b,...}}.");
        double lo = Number(name, pieces[0].Substring(0, dots).Trim()), hi = Number(name, pieces[0].Substring(dots + 2).Trim());
        bool log = false, integer = false;
        foreach (var s in pieces.Skip(1))
        {
            if (s == "log" && !log) log = true;
            else if (s == "int" && !integer) integer = true;
            else throw new FormatException($"Search space: hyperparameter '{name}': unknown or repeated scale ':{s}' (expected ':log', ':int' or both).");
        }
        if (!integer) return log ? Hyperparameter.LogUniform(name, lo, hi) : Hyperparameter.Uniform(name, lo, hi);
        if (Math.Floor(lo) != lo || Math.Floor(hi) != hi || Math.Abs(lo) > 1e15 || Math.Abs(hi) > 1e15)
            throw new FormatException($"Search space: hyperparameter '{name}': integer bounds {Hyperparameter.Format(lo)}..{Hyperparameter.Format(hi)} must be integers.");
        return Hyperparameter.Integer(name, (long)lo, (long)hi, log);
    }

    private static bool TryNumber(string s, out double d) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && double.IsFinite(d);

    private static double Number(string name, string s) => TryNumber(s, out double d) ? d
        : throw new FormatException($"Search space: hyperparameter '{name}': '{s}' is not a number.");

    /// <summary>
    /// Checks that every hyperparameter is one the caller knows (e.g. the options an example can set).
    /// </summary>
    /// <exception cref="FormatException">Names the first unknown hyperparameter and lists the known ones.</exception>
    public void RequireKnown(IEnumerable<string> known)
    {
        var set = new HashSet<string>(known, StringComparer.Ordinal);
        foreach (var p in _params)
            if (!set.Contains(p.Name))
                throw new FormatException($"Search space: unknown hyperparameter '{p.Name}' (known: {string.Join(", ", set.OrderBy(s => s, StringComparer.Ordinal))}).");
    }

    /// <summary>The configuration at the point <paramref name="unit"/> of the unit cube (coordinates clamped to [0, 1]).</summary>
    /// <exception cref="ArgumentException">The point does not have <see cref="Dimension"/> coordinates, or a coordinate is NaN.</exception>
    public Configuration FromUnit(IReadOnlyList<double> unit)
    {
        if (unit == null || unit.Count != _params.Length)
            throw new ArgumentException($"A point of this search space has {_params.Length} coordinates, got {unit?.Count ?? 0}.");
        var values = new object[_params.Length];
        for (int i = 0; i < values.Length; i++) values[i] = _params[i].FromUnit(unit[i]);
        return new Configuration(this, values);
    }

    /// <summary>The point of the unit cube of <paramref name="config"/> (which must belong to this space).</summary>
    /// <exception cref="ArgumentException">The configuration belongs to another space (names differ).</exception>
    public double[] ToUnit(Configuration config)
    {
        CheckOwn(config);
        var u = new double[_params.Length];
        for (int i = 0; i < u.Length; i++) u[i] = _params[i].ToUnit(config.Values[i]);
        return u;
    }

    /// <summary>
    /// A configuration of this space from named values (every hyperparameter exactly once; integral numbers for
    /// integers, numbers or strings for choices); values are checked and normalized.
    /// </summary>
    /// <exception cref="ArgumentException">A missing, unknown or out-of-domain value; the message names the hyperparameter.</exception>
    public Configuration Create(IReadOnlyDictionary<string, object> values)
    {
        foreach (var k in values.Keys)
            if (!_index.ContainsKey(k)) throw new ArgumentException($"Unknown hyperparameter '{k}' (the space has: {string.Join(", ", _params.Select(p => p.Name))}).");
        var v = new object[_params.Length];
        for (int i = 0; i < v.Length; i++)
        {
            if (!values.TryGetValue(_params[i].Name, out var x)) throw new ArgumentException($"Hyperparameter '{_params[i].Name}' has no value.");
            v[i] = _params[i].Normalize(x);
        }
        return new Configuration(this, v);
    }

    internal void CheckOwn(Configuration config)
    {
        if (config == null) throw new ArgumentNullException(nameof(config));
        if (ReferenceEquals(config.Space, this)) return;
        if (config.Space.Dimension != Dimension || !config.Space._params.Select(p => p.Name).SequenceEqual(_params.Select(p => p.Name)))
            throw new ArgumentException($"Configuration ({config}) does not belong to the space {this}.");
    }

    /// <summary>The canonical spec (see <see cref="Parse"/>), with round-trip numbers: <c>Parse(s.ToString())</c> equals <c>s</c>.</summary>
    public override string ToString() => string.Join("; ", _params.Select(p => p.ToString()));
}

/// <summary>
/// One point of a <see cref="SearchSpace"/>: a value for each hyperparameter, in the space's order (doubles, longs or
/// strings; see <see cref="Hyperparameter"/>). Immutable; equal when the values are equal bit for bit.
/// </summary>
public sealed class Configuration : IEquatable<Configuration>
{
    private readonly object[] _values;

    internal Configuration(SearchSpace space, object[] values) { Space = space; _values = values; }

    /// <summary>The space this configuration belongs to.</summary>
    public SearchSpace Space { get; }

    /// <summary>The values, in the order of <see cref="SearchSpace.Parameters"/>.</summary>
    public IReadOnlyList<object> Values => _values;

    /// <summary>The value of hyperparameter <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such hyperparameter.</exception>
    public object this[string name] => _values[IndexOf(name)];

    /// <summary>The value of <paramref name="name"/> as a double (a real, an integer or a numeric choice).</summary>
    /// <exception cref="InvalidCastException">The value is a string.</exception>
    public double GetDouble(string name) => this[name] switch
    {
        double d => d,
        long l => l,
        var v => throw new InvalidCastException($"Hyperparameter '{name}' has the string value '{v}', not a number."),
    };

    /// <summary>The value of <paramref name="name"/> as an int (an integer, or an integral numeric choice such as a layer width).</summary>
    /// <exception cref="InvalidCastException">The value is a string, not integral, or does not fit an int.</exception>
    public int GetInt(string name)
    {
        object v = this[name];
        double d = v is long l ? l : v is double x ? x : double.NaN;
        if (Math.Floor(d) != d || d < int.MinValue || d > int.MaxValue)
            throw new InvalidCastException($"Hyperparameter '{name}' has the value '{Hyperparameter.Format(v)}', not an int.");
        return (int)d;
    }

    /// <summary>The value of <paramref name="name"/> as text (strings as they are, numbers in round-trip invariant form).</summary>
    public string GetString(string name) => Hyperparameter.Format(this[name]);

    private int IndexOf(string name)
    {
        var ps = Space.Parameters;
        for (int i = 0; i < ps.Count; i++) if (ps[i].Name == name) return i;
        _ = Space[name]; // throws the KeyNotFoundException that lists the names
        return -1;
    }

    /// <summary>True when both have the same names and bit-identical values.</summary>
    public bool Equals(Configuration? other)
    {
        if (other is null || other._values.Length != _values.Length) return false;
        for (int i = 0; i < _values.Length; i++)
        {
            if (Space.Parameters[i].Name != other.Space.Parameters[i].Name) return false;
            object a = _values[i], b = other._values[i];
            if (a is double x && b is double y ? BitConverter.DoubleToInt64Bits(x) != BitConverter.DoubleToInt64Bits(y) : !a.Equals(b)) return false;
        }
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Configuration);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var v in _values) h.Add(v);
        return h.ToHashCode();
    }

    /// <summary><c>name=value</c> pairs separated by ", ", numbers in round-trip form: <c>lr=0.0031, hidden=128, optimizer=adam</c>.</summary>
    public override string ToString() =>
        string.Join(", ", _values.Select((v, i) => Space.Parameters[i].Name + "=" + Hyperparameter.Format(v)));
}
