using System;
using Nabla.Ir;

namespace Nabla.Rewrites.Engine;

/// <summary>
/// The bindings of one successful pattern match, handed to a rule's right-hand side: <c>m[X]</c> is the
/// node captured by <c>X</c>, <c>m.Value(K)</c> the value of a captured uniform constant, <c>m.Root</c>
/// the matched node. Internally it is also the matcher: a depth-first solver over an agenda of
/// (pattern, node) goals that backtracks over commutative operand orders without allocating.
/// </summary>
public sealed class Match
{
    private Capture[] _caps = new Capture[8];
    private Node[] _bound = new Node[8];
    private int _count;
    private Pattern[] _goalPatterns = new Pattern[16];
    private Node[] _goalNodes = new Node[16];
    private int _goals;

    internal Match(RewriteContext context) { Context = context; Root = null!; }

    /// <summary>The node the rule's pattern matched.</summary>
    public Node Root { get; private set; }

    /// <summary>The run's context: options and cached facts about nodes.</summary>
    public RewriteContext Context { get; }

    /// <summary>Cached facts about nodes (uniform constants, signs, structural hashes).</summary>
    public Facts Facts => Context.Facts;

    /// <summary>The graph being rewritten.</summary>
    public Graph Graph => Root.Graph;

    /// <summary>The node bound to <paramref name="capture"/>.</summary>
    public Node this[Capture capture] =>
        TryGet(capture, out var n) ? n : throw new InvalidOperationException($"Capture '{capture.Name}' is not bound by this rule's pattern.");

    /// <summary>The value of the uniform constant bound to <paramref name="capture"/>.</summary>
    public double Value(Capture capture) =>
        Facts.Uniform(this[capture], out double v) ? v : throw new InvalidOperationException($"Capture '{capture.Name}' is bound to {this[capture].Describe()}, which is not a uniform constant.");

    /// <summary>A scalar constant of the root's element type.</summary>
    public Node Const(double value) => Graph.Const(value, Root.DType);

    /// <summary>True when <paramref name="capture"/> is bound (to <paramref name="node"/>).</summary>
    public bool TryGet(Capture capture, out Node node)
    {
        for (int i = 0; i < _count; i++)
            if (ReferenceEquals(_caps[i], capture)) { node = _bound[i]; return true; }
        node = null!;
        return false;
    }

    /// <summary>
    /// Matches <paramref name="pattern"/> at <paramref name="n"/> and returns what <paramref name="rewrite"/> makes of
    /// the first match it accepts (a non-null node other than <paramref name="n"/>). A declined match is not the end:
    /// the solver backtracks into the other operand orders, so a guard written in the right-hand side sees every match.
    /// </summary>
    internal Node? Run(Pattern pattern, Node n, Func<Match, Node?> rewrite)
    {
        Root = n;
        _count = 0;
        _goals = 0;
        _rewrite = rewrite;
        _result = null;
        Push(pattern, n);
        return Continue() ? _result : null;
    }

    private Func<Match, Node?>? _rewrite;
    private Node? _result;

    internal int AgendaMark => _goals;

    internal void Truncate(int mark) => _goals = mark;

    internal void Push(Pattern p, Node n)
    {
        if (_goals == _goalNodes.Length)
        {
            Array.Resize(ref _goalNodes, _goals * 2);
            Array.Resize(ref _goalPatterns, _goals * 2);
        }
        _goalPatterns[_goals] = p;
        _goalNodes[_goals] = n;
        _goals++;
    }

    /// <summary>Solves the remaining goals; on failure the agenda is left as it was.</summary>
    internal bool Continue()
    {
        if (_goals == 0)
        {
            _result = _rewrite!(this);
            return _result is not null && !ReferenceEquals(_result, Root);
        }
        _goals--;
        var p = _goalPatterns[_goals];
        var n = _goalNodes[_goals];
        if (p.Step(this, n)) return true;
        _goalPatterns[_goals] = p;
        _goalNodes[_goals] = n;
        _goals++;
        return false;
    }

    internal bool BindAndContinue(Capture c, Node n)
    {
        if (TryGet(c, out var bound)) return ReferenceEquals(bound, n) && Continue();
        Bind(c, n);
        if (Continue()) return true;
        Unbind();
        return false;
    }

    internal void Bind(Capture c, Node n)
    {
        if (_count == _bound.Length)
        {
            Array.Resize(ref _caps, _count * 2);
            Array.Resize(ref _bound, _count * 2);
        }
        _caps[_count] = c;
        _bound[_count] = n;
        _count++;
    }

    internal void Unbind() => _count--;
}
