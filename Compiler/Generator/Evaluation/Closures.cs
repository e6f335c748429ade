using System;
using System.Linq;
using System.Reflection;

namespace Nabla.Generator.Evaluation;

/// <summary>
/// A lambda of a network method (its parameters and body, and the variables it captured), or a helper method of the
/// [Network] class used as a delegate.
/// </summary>
internal sealed class Closure
{
    private readonly Func<object?[], object?> _run;

    public Closure(Interpreter interpreter, Scope captured, string[] parameters, Model.Stmt body)
    {
        _run = args =>
        {
            var scope = new Scope(captured);
            for (int i = 0; i < parameters.Length; i++) scope.Declare(parameters[i], args[i]);
            return interpreter.RunBody(body, scope);
        };
    }

    /// <summary>A closure that runs <paramref name="run"/> (a helper of the class, called with the delegate's arguments).</summary>
    public Closure(Func<object?[], object?> run) { _run = run; }

    /// <summary>Runs the body with <paramref name="args"/> bound to the parameters.</summary>
    public object? Invoke(object?[] args) => _run(args);
}

/// <summary>Turns a <see cref="Closure"/> into a real <c>Func&lt;…&gt;</c> or <c>Action&lt;…&gt;</c> the DSL can call.</summary>
internal static class Delegates
{
    /// <summary>A delegate of <paramref name="type"/> (a System.Func or System.Action of up to four arguments) running <paramref name="c"/>.</summary>
    public static Delegate Create(Type type, Closure c)
    {
        var args = type.IsGenericType ? type.GetGenericArguments() : Type.EmptyTypes;
        var isFunc = type.Name.StartsWith("Func`", StringComparison.Ordinal);
        var name = isFunc ? "F" + (args.Length - 1) : "A" + args.Length;
        var factory = typeof(Delegates).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new NotSupportedException($"Lambdas of type {type.Name} are not supported (System.Func and System.Action of up to four arguments are).");
        if (factory.IsGenericMethodDefinition) factory = factory.MakeGenericMethod(args);
        return (Delegate)factory.Invoke(null, new object[] { c })!;
    }

    private static T Cast<T>(object? v) => (T)Values.Coerce(v, typeof(T))!;

    private static Func<R> F0<R>(Closure c) => () => Cast<R>(c.Invoke(Array.Empty<object?>()));
    private static Func<A, R> F1<A, R>(Closure c) => a => Cast<R>(c.Invoke(new object?[] { a }));
    private static Func<A, B, R> F2<A, B, R>(Closure c) => (a, b) => Cast<R>(c.Invoke(new object?[] { a, b }));
    private static Func<A, B, C, R> F3<A, B, C, R>(Closure c) => (a, b, d) => Cast<R>(c.Invoke(new object?[] { a, b, d }));
    private static Func<A, B, C, D, R> F4<A, B, C, D, R>(Closure c) => (a, b, d, e) => Cast<R>(c.Invoke(new object?[] { a, b, d, e }));
    private static Action A0(Closure c) => () => c.Invoke(Array.Empty<object?>());
    private static Action<A> A1<A>(Closure c) => a => c.Invoke(new object?[] { a });
    private static Action<A, B> A2<A, B>(Closure c) => (a, b) => c.Invoke(new object?[] { a, b });
    private static Action<A, B, C> A3<A, B, C>(Closure c) => (a, b, d) => c.Invoke(new object?[] { a, b, d });
    private static Action<A, B, C, D> A4<A, B, C, D>(Closure c) => (a, b, d, e) => c.Invoke(new object?[] { a, b, d, e });
}

/// <summary>Variables of one block (and, through the parent, of the blocks around it); lambdas keep theirs alive.</summary>
internal sealed class Scope
{
    private readonly System.Collections.Generic.Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

    public Scope(Scope? parent) { Parent = parent; }

    public Scope? Parent { get; }

    public void Declare(string id, object? value) => _vars[id] = value;

    public bool TryGet(string id, out object? value)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._vars.TryGetValue(id, out value)) return true;
        value = null;
        return false;
    }

    public bool TrySet(string id, object? value)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._vars.ContainsKey(id)) { s._vars[id] = value; return true; }
        return false;
    }

    public override string ToString() => string.Join(", ", _vars.Keys.Select(k => k.Split('@')[0]));
}
