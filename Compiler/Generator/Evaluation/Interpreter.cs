using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.ExceptionServices;
using Nabla.Generator.Model;

namespace Nabla.Generator.Evaluation;

/// <summary>
/// Runs the network methods of a <see cref="NetworkRecipe"/> inside the generator, on the DSL's real types: the same
/// code, with the same values, as at run time. Statements are here; expressions in the other part. Every failure is an
/// <see cref="EvaluationError"/> with the location of the code that caused it; DSL errors that name a layer are reported
/// where that layer was created.
/// </summary>
internal sealed partial class Interpreter
{
    /// <summary>Iterations one loop may run at build time.</summary>
    public const int LoopLimit = 100_000;
    /// <summary>Nested helper calls allowed at build time.</summary>
    public const int DepthLimit = 64;

    private readonly Dictionary<string, UserFunction> _functions;
    private readonly Dictionary<string, object?> _fields = new(StringComparer.Ordinal);
    private readonly Dictionary<object, SourceLocation> _origins = new(ReferenceComparer.Instance);
    private readonly Dictionary<string, SourceLocation> _customOps = new(StringComparer.Ordinal);
    private readonly Stack<object> _initTargets = new();
    private int _depth;

    public Interpreter(NetworkRecipe recipe)
    {
        _functions = recipe.Helpers.ToDictionary(h => h.Id, StringComparer.Ordinal);
    }

    /// <summary>Runs <paramref name="f"/> (a network method or helper) with <paramref name="args"/>.</summary>
    public object? Call(UserFunction f, object?[] args, SourceLocation? at)
    {
        if (f.IsField && _fields.TryGetValue(f.Id, out var cached)) return cached;
        if (++_depth > DepthLimit)
            throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.RecursionLimit, at, f.Display, DepthLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        try
        {
            var scope = new Scope(null);
            for (int i = 0; i < f.Params.Count; i++) scope.Declare(f.Params[i], args[i]);
            var value = RunBody(f.Body, scope);
            if (f.IsField) _fields[f.Id] = value;
            return value;
        }
        finally { _depth--; }
    }

    /// <summary>Where the module (or other DSL object) <paramref name="value"/> was created, if in the network method.</summary>
    public SourceLocation? OriginOf(object value) => _origins.TryGetValue(value, out var at) ? at : null;

    /// <summary>Runs a body in <paramref name="scope"/> and returns what it returns.</summary>
    internal object? RunBody(Stmt body, Scope scope)
    {
        object? result = null;
        Exec(body, scope, ref result);
        return result;
    }

    private enum Flow { Normal, Break, Continue, Return }

    private Flow Exec(Stmt s, Scope scope, ref object? result)
    {
        switch (s)
        {
            case BlockStmt b:
            {
                var inner = new Scope(scope);
                foreach (var st in b.Statements)
                {
                    var flow = Exec(st, inner, ref result);
                    if (flow != Flow.Normal) return flow;
                }
                return Flow.Normal;
            }
            case DeclareStmt d: scope.Declare(d.Id, d.Init is null ? null : Eval(d.Init, scope)); return Flow.Normal;
            case ExprStmt e: Eval(e.Expr, scope); return Flow.Normal;
            case ReturnStmt r: result = r.Value is null ? null : Eval(r.Value, scope); return Flow.Return;
            case IfStmt i:
                if (Truth(Eval(i.Condition, scope), i.Condition)) return Exec(i.Then, new Scope(scope), ref result);
                return i.Else is null ? Flow.Normal : Exec(i.Else, new Scope(scope), ref result);
            case JumpStmt j: return j.Continue ? Flow.Continue : Flow.Break;
            case ForStmt f:
            {
                var loop = new Scope(scope);
                foreach (var init in f.Init) Exec(init, loop, ref result);
                for (int n = 0; ; n++)
                {
                    Count(n, f);
                    if (f.Condition is not null && !Truth(Eval(f.Condition, loop), f.Condition)) return Flow.Normal;
                    var flow = Exec(f.Body, new Scope(loop), ref result);
                    if (flow == Flow.Return) return flow;
                    if (flow == Flow.Break) return Flow.Normal;
                    foreach (var step in f.Step) Eval(step, loop);
                }
            }
            case ForEachStmt fe:
            {
                var items = Eval(fe.Collection, scope) as System.Collections.IEnumerable
                    ?? throw Failed(fe.Collection, "foreach", "the collection is null");
                int n = 0;
                foreach (var item in items)
                {
                    Count(n++, fe);
                    var body = new Scope(scope);
                    body.Declare(fe.Id, item);
                    var flow = Exec(fe.Body, body, ref result);
                    if (flow == Flow.Return) return flow;
                    if (flow == Flow.Break) break;
                }
                return Flow.Normal;
            }
            case WhileStmt w:
                for (int n = 0; ; n++)
                {
                    Count(n, w);
                    if ((w.ConditionFirst || n > 0) && !Truth(Eval(w.Condition, scope), w.Condition)) return Flow.Normal;
                    var flow = Exec(w.Body, new Scope(scope), ref result);
                    if (flow == Flow.Return) return flow;
                    if (flow == Flow.Break) return Flow.Normal;
                }
            default:
                throw new InvalidOperationException($"Unknown statement {s.GetType().Name}.");
        }
    }

    private static void Count(int n, Stmt loop)
    {
        if (n >= LoopLimit)
            throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.LoopLimit, loop.At, LoopLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private bool Truth(object? v, Expr at) => v is bool b ? b : throw Failed(at, "a condition", $"it is {Describe(v)}, not a bool");

    /// <summary>An evaluation failure at <paramref name="at"/> (NABLA008).</summary>
    private static EvaluationError Failed(Code at, string what, string why) =>
        new(DiagnosticInfo.Create(DiagnosticDescriptors.EvaluationFailed, at.At, what, why));

    private static string Describe(object? v) => v is null ? "null" : v.GetType().Name;

    /// <summary>
    /// Runs a reflective call and turns what it throws into a diagnostic: an error already located deeper (in a lambda
    /// the DSL called) passes through; a DSL shape or layer error is NABLA007 at the failing layer's creation (found
    /// through the modules among <paramref name="involved"/>) or at the call; anything else is NABLA008 at the call.
    /// </summary>
    private object? Guard(Code at, string display, Func<object?> call, IEnumerable<object?> involved)
    {
        try { return call(); }
        catch (Exception raw)
        {
            var e = Values.Unwrap(raw);
            if (Values.Located(e) is { } located) ExceptionDispatchInfo.Capture(located).Throw();
            if (e is LayerException le)
                throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNetwork, LayerOrigin(le.LayerPath, involved) ?? at.At, le.Message));
            if (e is LossException or Nabla.Ir.ShapeException)
                throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNetwork, at.At, e.Message));
            throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.EvaluationFailed, at.At, display, e.Message));
        }
    }

    /// <summary>Where the layer at <paramref name="path"/> (or the nearest module above it) was created in the network method.</summary>
    private SourceLocation? LayerOrigin(string path, IEnumerable<object?> involved)
    {
        foreach (var root in involved.OfType<Module>())
        {
            SourceLocation? best = null; int bestLength = -1;
            foreach (var (p, m) in root.Paths())
                if ((p == path || p.Length == 0 || path.StartsWith(p + ".", StringComparison.Ordinal)) && p.Length > bestLength && OriginOf(m) is { } o)
                {
                    best = o; bestLength = p.Length;
                }
            if (best is not null) return best;
        }
        return null;
    }

    private void Remember(object? value, SourceLocation? at)
    {
        if (at is null) return;
        if (value is Module && !_origins.ContainsKey(value)) _origins[value] = at;
        if (value is Nabla.Ir.Op op && (op.IsCustom || op.IsKernel) && !_customOps.ContainsKey(op.Name)) _customOps[op.Name] = at;
    }

    /// <summary>The custom ops defined while evaluating (<c>Op.Define</c> calls), by name, with the call's location.</summary>
    public IReadOnlyDictionary<string, SourceLocation> CustomOps => _customOps;
}
