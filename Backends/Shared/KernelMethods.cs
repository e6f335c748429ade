using System;
using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.Intrinsics;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends;

/// <summary>
/// The user's methods behind kernel ops (<c>Op.DefineElementwise</c>), found among the loaded assemblies: the type named
/// by <see cref="Op.KernelMethod"/> (public, so that code compiled into another assembly may call it), and its public
/// static overloads for the element type (and the vector types, for a vectorized op). Both run-time backends use it (this
/// file is compiled into each): the expression backend calls the methods it returns, and the Roslyn backend checks them
/// before compiling and references the assembly that defines them. Every failure names the op and the method.
/// </summary>
internal static class KernelMethods
{
    // Per op (weakly: an op no longer used is not kept alive by having been compiled), per element type.
    private static readonly ConditionalWeakTable<Op, ConcurrentDictionary<Type, Assembly>> Checked = new();

    /// <summary>The kernel ops the loops and reductions of <paramref name="plan"/> call, each once.</summary>
    public static IReadOnlyList<Op> Of(ModelPlan plan)
    {
        var ops = new List<Op>();
        foreach (var (_, schedule) in plan.Methods)
            foreach (var k in schedule.Kernels)
            {
                var body = k switch { ElementwiseKernel e => e.Body, ReduceKernel r => r.Body, _ => null };
                if (body is null) continue;
                foreach (var ins in body.Instrs)
                    if (ins.Op is { IsKernel: true } op && !ops.Contains(op)) ops.Add(op);
            }
        return ops;
    }

    /// <summary>
    /// Checks that <paramref name="op"/>'s method has every form code of element type <paramref name="element"/> calls
    /// (the scalar one; <c>Vector128</c> and <c>Vector256</c> ones when the op is vectorized) and returns the assembly
    /// defining it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The type is not loaded, not public, or lacks a form.</exception>
    public static Assembly Check(Op op, Type element) => Checked.GetValue(op, _ => new ConcurrentDictionary<Type, Assembly>()).GetOrAdd(element, t =>
    {
        var o = op;
        var type = TypeOf(o);
        Form(o, type, t);
        if (o.IsVectorized)
        {
            Form(o, type, typeof(Vector128<>).MakeGenericType(t));
            Form(o, type, typeof(Vector256<>).MakeGenericType(t));
        }
        return type.Assembly;
    });

    /// <summary>The method computing <paramref name="op"/> on operands of type <paramref name="operand"/> (a float type or a vector of one).</summary>
    /// <exception cref="InvalidOperationException">See <see cref="Check"/>.</exception>
    public static MethodInfo Find(Op op, Type operand)
    {
        var element = operand.IsGenericType ? operand.GetGenericArguments()[0] : operand;
        Check(op, element);
        return Form(op, TypeOf(op), operand);
    }

    private static readonly ConditionalWeakTable<Op, Type> Types = new();

    /// <summary>The public type declaring <paramref name="op"/>'s method, searched in every loaded assembly.</summary>
    public static Type TypeOf(Op op) => Types.GetValue(op, o =>
    {
        var kernel = o.KernelMethod ?? throw new ArgumentException($"{o.Name} is not a kernel op.");
        var parts = kernel.Split('.');
        var typePath = parts.Take(parts.Length - 1).ToArray();
        // A nested type's reflection name joins the nesting with '+': try every split of the dotted C# name.
        var candidates = Enumerable.Range(1, typePath.Length).Reverse()
            .Select(j => string.Join(".", typePath.Take(j)) + string.Concat(typePath.Skip(j).Select(p => "+" + p))).ToArray();
        foreach (var asm in AppDomain.CurrentDomain.GetAssemblies())
            foreach (var name in candidates)
            {
                Type? t;
                try { t = asm.GetType(name, throwOnError: false); }
                catch (Exception) { continue; } // an assembly that cannot be read is not the one
                if (t is null) continue;
                if (!t.IsVisible)
                    throw new InvalidOperationException(
                        $"Kernel op \"{o.Name}\": its type {t.FullName} (assembly {asm.GetName().Name}) is not public; compiled code, in an assembly of its own, must call {kernel}, so make the type (and any type it is nested in) public.");
                if (t.IsGenericTypeDefinition)
                    throw new InvalidOperationException($"Kernel op \"{o.Name}\": its type {t.FullName} is generic; put {parts[parts.Length - 1]} in a non-generic static class.");
                return t;
            }
        throw new InvalidOperationException(
            $"Kernel op \"{o.Name}\": no loaded assembly defines the type {string.Join(".", typePath)} of its method {kernel}; check the name, and load the assembly that defines it before compiling.");
    });

    // The public static overload of the op's arity taking and returning `operand` (a generic one closed over its element).
    private static MethodInfo Form(Op op, Type type, Type operand)
    {
        var name = op.KernelMethod!.Substring(op.KernelMethod!.LastIndexOf('.') + 1);
        var element = operand.IsGenericType ? operand.GetGenericArguments()[0] : null;
        foreach (var m in type.GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            if (m.Name != name || m.GetParameters().Length != op.Arity) continue;
            var closed = m;
            if (m.IsGenericMethodDefinition)
            {
                if (element is null || m.GetGenericArguments().Length != 1) continue;
                try { closed = m.MakeGenericMethod(element); }
                catch (ArgumentException) { continue; } // a constraint the element type does not meet
            }
            if (closed.ReturnType == operand && closed.GetParameters().All(p => p.ParameterType == operand)) return closed;
        }
        var signature = $"{Display(operand)} {name}({string.Join(", ", Enumerable.Repeat(Display(operand), op.Arity))})";
        var why = element is null ? "" : " It is defined with vectorized: true, so the loops call it on vectors; add the vector overloads or define it with vectorized: false (scalar loops).";
        throw new InvalidOperationException(
            $"Kernel op \"{op.Name}\": {type.FullName} has no public static {signature}, which code of element type {Display(element ?? operand)} calls.{why}");
    }

    private static string Display(Type t) =>
        t == typeof(float) ? "float" : t == typeof(double) ? "double"
        : t.IsGenericType ? $"{t.Name.Substring(0, t.Name.IndexOf('`'))}<{string.Join(", ", t.GetGenericArguments().Select(Display))}>" : t.Name;
}
