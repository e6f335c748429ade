using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Nabla.Generator.Model;

namespace Nabla.Generator.Evaluation;

using ParameterInfo = System.Reflection.ParameterInfo; // not Nabla.ParameterInfo (the training signature)

internal sealed partial class Interpreter
{
    private object? Eval(Expr e, Scope scope)
    {
        switch (e)
        {
            case ConstExpr c:
                return c.Type is { } enumType && c.Value is not null ? Values.Convert(c.Value, Members.Require(enumType, c.At)) : c.Value;
            case VarExpr v:
                return scope.TryGet(v.Id, out var value) ? value : throw Failed(v, v.Name, "the variable has no value here");
            case NewExpr n: return New(n, scope);
            case CallExpr c: return Call(c, scope);
            case UserCallExpr u:
            {
                if (!_functions.TryGetValue(u.Function, out var f)) throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.UnavailableMember, u.At, u.Display));
                var args = u.Args.Select(a => Eval(a, scope)).ToArray();
                var result = Call(f, args, u.At);
                Remember(result, u.At);
                return result;
            }
            case PropertyExpr p:
            {
                var prop = Members.Property(p.Type, p.Name, p.IndexParams, p.Display, p.At);
                var receiver = p.Receiver is null ? null : Receiver(p.Receiver, scope, p.Display);
                var args = Arguments(p.Args, prop.GetIndexParameters(), scope);
                return Guard(p, p.Display, () => prop.GetValue(receiver, args.Length == 0 ? null : args), args.Prepend(receiver));
            }
            case FieldExpr f:
            {
                var field = Members.Field(f.Type, f.Name, f.Display, f.At);
                var receiver = f.Receiver is null ? null : Receiver(f.Receiver, scope, f.Display);
                return field.GetValue(receiver);
            }
            case BinaryExpr b:
            {
                var l = Eval(b.Left, scope); var r = Eval(b.Right, scope);
                return Arithmetic(b, () => Values.Binary(b.Op, l, r));
            }
            case LogicalExpr l:
            {
                bool left = Truth(Eval(l.Left, scope), l.Left);
                if (l.And ? !left : left) return left;
                return Truth(Eval(l.Right, scope), l.Right);
            }
            case UnaryExpr u:
            {
                var v = Eval(u.Operand, scope);
                return Arithmetic(u, () => Values.Unary(u.Op, v));
            }
            case ConvertExpr c:
            {
                var v = Eval(c.Operand, scope);
                var to = Members.Require(c.To, c.At);
                return Arithmetic(c, () => Values.Convert(v, to));
            }
            case ConditionalExpr c: return Truth(Eval(c.Condition, scope), c.Condition) ? Eval(c.WhenTrue, scope) : Eval(c.WhenFalse, scope);
            case NewArrayExpr a:
            {
                var type = Members.Require(a.Element, a.At);
                if (a.Size is not null)
                {
                    var size = Values.Convert(Eval(a.Size, scope), typeof(int));
                    if (size is not int n || n < 0) throw Failed(a.Size, "the array size", $"it is {Values.Text(size)}");
                    return Array.CreateInstance(type, n);
                }
                var array = Array.CreateInstance(type, a.Elements.Count);
                for (int i = 0; i < a.Elements.Count; i++) array.SetValue(Values.Coerce(Eval(a.Elements[i], scope), type), i);
                return array;
            }
            case ElementExpr el:
            {
                var array = Eval(el.Array, scope) as Array ?? throw Failed(el.Array, "an array element", "the array is null");
                var index = Eval(el.Index, scope);
                return Guard(el, "an array element", () => array.GetValue(Convert.ToInt64(index, System.Globalization.CultureInfo.InvariantCulture)), Array.Empty<object>());
            }
            case TupleExpr t:
            {
                var type = Members.Require(t.Type, t.At);
                var args = type.GetGenericArguments();
                var values = t.Elements.Select((x, i) => Values.Coerce(Eval(x, scope), args[i])).ToArray();
                return Activator.CreateInstance(type, values);
            }
            case LambdaExpr l:
                return Delegates.Create(Members.Require(l.Delegate, l.At), new Closure(this, scope, l.Params.AsArray(), l.Body));
            case MethodGroupExpr m:
            {
                var method = (MethodInfo)Members.Method(m.Method, m.At);
                var type = Members.Require(m.Delegate, m.At);
                if (m.Receiver is null) return Delegate.CreateDelegate(type, method);
                var target = Receiver(m.Receiver, scope, m.Method.Display);
                return Guard(m, m.Method.Display, () => Delegate.CreateDelegate(type, target, method), new[] { target });
            }
            case UserMethodGroupExpr u:
            {
                if (!_functions.TryGetValue(u.Function, out var f)) throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.UnavailableMember, u.At, u.Display));
                return Delegates.Create(Members.Require(u.Delegate, u.At), new Closure(args => Call(f, args, u.At)));
            }
            case CollectionExpr c: return Collection(c, scope);
            case InterpolationExpr s: return string.Concat(s.Parts.Select(p => Values.Text(Eval(p, scope))));
            case AssignExpr a:
            {
                var v = Eval(a.Value, scope);
                Store(a.Target, v, scope);
                return v;
            }
            case CompoundExpr c:
            {
                var current = Eval(c.Target, scope);
                var operand = Eval(c.Value, scope);
                object? v;
                if (c.Operator is { } op)
                {
                    var method = (MethodInfo)Members.Method(op, c.At);
                    var ps = method.GetParameters();
                    v = Guard(c, op.Display, () => method.Invoke(null, new[] { Values.Coerce(current, ps[0].ParameterType), Values.Coerce(operand, ps[1].ParameterType) }), new[] { current, operand });
                }
                else v = Arithmetic(c, () => Values.Convert(Values.Binary(c.Op, current, operand), Members.Require(c.Type, c.At)));
                Store(c.Target, v, scope);
                return v;
            }
            case IncrementExpr inc:
            {
                var old = Eval(inc.Target, scope);
                var type = Members.Require(inc.Type, inc.At);
                var v = Arithmetic(inc, () => Values.Convert(Values.Binary(inc.Increment ? "+" : "-", old, 1), type));
                Store(inc.Target, v, scope);
                return inc.Postfix ? old : v;
            }
            case InitTargetExpr t:
                return _initTargets.Count > 0 ? _initTargets.Peek() : throw Failed(t, "an initializer", "there is no object being initialized");
            case DefaultExpr d:
            {
                var type = Members.Require(d.Type, d.At);
                return type.IsValueType ? Activator.CreateInstance(type) : null;
            }
            default:
                throw new InvalidOperationException($"Unknown expression {e.GetType().Name}.");
        }
    }

    private object? New(NewExpr n, Scope scope)
    {
        var ctor = (ConstructorInfo)Members.Method(n.Ctor, n.At);
        var args = Arguments(n.Args, ctor.GetParameters(), scope);
        var obj = Guard(n, n.Ctor.Display, () => ctor.Invoke(args), args);
        Remember(obj, n.At);
        if (n.Initializers.Count > 0)
        {
            _initTargets.Push(obj!);
            try { foreach (var init in n.Initializers) Eval(init, scope); }
            finally { _initTargets.Pop(); }
        }
        return obj;
    }

    private object? Call(CallExpr c, Scope scope)
    {
        var method = (MethodInfo)Members.Method(c.Method, c.At);
        var receiver = c.Receiver is null ? null : Receiver(c.Receiver, scope, c.Method.Display);
        var args = Arguments(c.Args, method.GetParameters(), scope);
        var result = Guard(c, c.Method.Display, () => method.Invoke(receiver, args), args.Prepend(receiver));
        Remember(result, c.At);
        return result;
    }

    private object Receiver(Expr e, Scope scope, string display) =>
        Eval(e, scope) ?? throw Failed(e, display, "it is called on null");

    private object?[] Arguments(EquatableArray<Expr> args, ParameterInfo[] ps, Scope scope)
    {
        var values = new object?[args.Count];
        for (int i = 0; i < values.Length; i++) values[i] = Values.Coerce(Eval(args[i], scope), ps[i].ParameterType);
        return values;
    }

    private object? Arithmetic(Expr at, Func<object?> op)
    {
        try { return op(); }
        catch (Exception ex) when (ex is not EvaluationError) { throw Failed(at, "an operator", ex.Message); }
    }

    private void Store(Expr target, object? value, Scope scope)
    {
        switch (target)
        {
            case VarExpr v:
                if (!scope.TrySet(v.Id, value)) scope.Declare(v.Id, value);
                return;
            case ElementExpr el:
            {
                var array = Eval(el.Array, scope) as Array ?? throw Failed(el.Array, "an array element", "the array is null");
                var index = Eval(el.Index, scope);
                var type = array.GetType().GetElementType()!;
                Guard(el, "an array element", () => { array.SetValue(Values.Coerce(value, type), Convert.ToInt64(index, System.Globalization.CultureInfo.InvariantCulture)); return null; }, Array.Empty<object>());
                return;
            }
            case PropertyExpr p:
            {
                var prop = Members.Property(p.Type, p.Name, p.IndexParams, p.Display, p.At);
                var receiver = p.Receiver is null ? null : Receiver(p.Receiver, scope, p.Display);
                var args = Arguments(p.Args, prop.GetIndexParameters(), scope);
                Guard(p, p.Display, () => { prop.SetValue(receiver, Values.Coerce(value, prop.PropertyType), args.Length == 0 ? null : args); return null; }, new[] { receiver, value });
                return;
            }
            default:
                throw Failed(target, "an assignment", "only locals, array elements and properties can be assigned");
        }
    }

    private object Collection(CollectionExpr c, Scope scope)
    {
        var element = Members.Require(c.Element, c.At);
        var items = new List<object?>();
        for (int i = 0; i < c.Elements.Count; i++)
        {
            var v = Eval(c.Elements[i], scope);
            if (c.Spread[i])
            {
                if (v is not IEnumerable seq) throw Failed(c.Elements[i], "a spread", "the value is not a collection");
                foreach (var x in seq) items.Add(Values.Coerce(x, element));
            }
            else items.Add(Values.Coerce(v, element));
        }
        var target = Members.Require(c.Target, c.At);
        if (target.IsArray || target.IsInterface && !IsMutableInterface(target))
        {
            var array = Array.CreateInstance(element, items.Count);
            for (int i = 0; i < items.Count; i++) array.SetValue(items[i], i);
            return array;
        }
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        foreach (var x in items) list.Add(x);
        if (target.IsAssignableFrom(list.GetType())) return list;
        throw Failed(c, "a collection expression", $"collections of type {target.Name} are not supported (arrays, List<T> and the list interfaces are)");
    }

    private static bool IsMutableInterface(Type t) =>
        t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(IList<>) || t.GetGenericTypeDefinition() == typeof(ICollection<>));
}
