using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Tests.Support;

/// <summary>
/// Numerical checks of derivatives with the reference interpreter (Theano's verify_grad recipe): the gradient of a
/// random projection <c>L = sum(u · f(x))</c> against central finite differences, element by element.
/// </summary>
public static class GradCheck
{
    /// <summary>A tensor of <paramref name="shape"/> with values uniform in [−1, 1).</summary>
    public static Tensor Random(int[] shape, Random rng)
    {
        int size = shape.Aggregate(1, (p, d) => p * d);
        var data = new double[size];
        for (int i = 0; i < size; i++) data[i] = rng.NextDouble() * 2 - 1;
        return new Tensor((int[])shape.Clone(), data);
    }

    /// <summary>Σ aᵢ·bᵢ over two tensors of the same size.</summary>
    public static double Dot(Tensor a, Tensor b)
    {
        if (a.Size != b.Size) throw new ArgumentException($"Dot of tensors of sizes {a.Size} and {b.Size}.");
        double s = 0;
        for (int i = 0; i < a.Size; i++) s += a.Data[i] * b.Data[i];
        return s;
    }

    /// <summary>The scalar value of <paramref name="node"/> at <paramref name="bindings"/> (float64 interpreter).</summary>
    public static double Scalar(Node node, IReadOnlyDictionary<string, Tensor> bindings, int batch) =>
        Interpreter.Evaluate(new[] { node }, bindings, DType.F64, batch)[node].Value;

    /// <summary>
    /// Central difference (L(x + h·eᵢ) − L(x − h·eᵢ)) / 2h of the scalar <paramref name="loss"/> with respect to element
    /// <paramref name="index"/> of the bound variable <paramref name="name"/>. The bindings are restored afterwards.
    /// </summary>
    public static double Central(Node loss, Dictionary<string, Tensor> bindings, int batch, string name, int index, double h)
    {
        var data = bindings[name].Data;
        double x0 = data[index];
        try
        {
            data[index] = x0 + h; double up = Scalar(loss, bindings, batch);
            data[index] = x0 - h; double down = Scalar(loss, bindings, batch);
            return (up - down) / (2 * h);
        }
        finally { data[index] = x0; }
    }

    /// <summary>
    /// The relative disagreement |a − b| / max(1, |a|, |b|): absolute near zero, relative for large values.
    /// </summary>
    public static double Error(double a, double b) =>
        double.IsNaN(a) || double.IsNaN(b) ? double.PositiveInfinity : Math.Abs(a - b) / Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    /// <summary>
    /// The random projection <c>L = sum(u · y)</c> of a case's output, with <c>u</c> a new input
    /// (<c>proj_u</c>) bound to values uniform in [−1, 1) drawn from <paramref name="rng"/>. Returns L and a copy of
    /// the case's bindings extended with u.
    /// </summary>
    public static (Node Loss, Dictionary<string, Tensor> Bindings) Projection(GraphCase c, Random rng)
    {
        var y = c.Output;
        var u = c.Graph.Input("proj_u", y.Shape, y.DType);
        var b = c.CopyBindings();
        b["proj_u"] = Random(y.Shape.Concrete(c.Batch), rng);
        return (F.Sum(u * y), b);
    }

    /// <summary>
    /// One direction input per variable (<c>dir_NAME</c>, shaped like the variable), bound in
    /// <paramref name="bindings"/> to values uniform in [−1, 1).
    /// </summary>
    public static Node[] Directions(GraphCase c, IReadOnlyList<Node> vars, Dictionary<string, Tensor> bindings, Random rng, string prefix = "dir_")
    {
        var dirs = new Node[vars.Count];
        for (int i = 0; i < vars.Count; i++)
        {
            dirs[i] = c.Graph.Input(prefix + vars[i].Name, vars[i].Shape, vars[i].DType);
            bindings[prefix + vars[i].Name] = Random(vars[i].Shape.Concrete(c.Batch), rng);
        }
        return dirs;
    }

    /// <summary>A deterministic seed from a case's recipe, so the projection is part of what the recipe reproduces.</summary>
    public static int Seed(GraphCase c) => c.Recipe.Aggregate(17, (h, v) => unchecked(h * 31 + v));
}
