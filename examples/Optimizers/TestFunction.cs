using System;
using System.Collections.Generic;
using Nabla;
using Nabla.Ir;

namespace Optimizers;

/// <summary>
/// A 2-D test function written as a sum of squared residuals, f(x, y) = Σⱼ (gⱼ(x, y) − cⱼ)², so that the library's
/// own least-squares loss computes it: the model's output is g(x, y) and the target is c (see <see cref="PointModel"/>).
/// </summary>
public sealed class TestFunction
{
    private readonly Func<double, double, double> _f;
    private readonly Func<double, double, (double, double)> _grad;
    private readonly Func<Node, Node, Node[]> _g;

    private TestFunction(string name, string formula, Func<double, double, double> f, Func<double, double, (double, double)> grad,
        Func<Node, Node, Node[]> g, double[] targets, (double X, double Y) start, (double X, double Y) minimum,
        (double Min, double Max) xRange, (double Min, double Max) yRange, double[] levels)
    {
        Name = name; Formula = formula; _f = f; _grad = grad; _g = g; Targets = targets; Start = start; Minimum = minimum;
        XRange = xRange; YRange = yRange; Levels = levels;
    }

    /// <summary>The name, <c>rosenbrock</c> or <c>beale</c>.</summary>
    public string Name { get; }
    /// <summary>The formula, for the printout and the figure.</summary>
    public string Formula { get; }
    /// <summary>The residual targets c (the training step's target row).</summary>
    public IReadOnlyList<double> Targets { get; }
    /// <summary>Where every optimizer starts.</summary>
    public (double X, double Y) Start { get; }
    /// <summary>The global minimum (f = 0 there).</summary>
    public (double X, double Y) Minimum { get; }
    /// <summary>The figure's x range.</summary>
    public (double Min, double Max) XRange { get; }
    /// <summary>The figure's y range.</summary>
    public (double Min, double Max) YRange { get; }
    /// <summary>The contour levels (log-spaced).</summary>
    public IReadOnlyList<double> Levels { get; }

    /// <summary>f(x, y) in float64.</summary>
    public double Value(double x, double y) => _f(x, y);

    /// <summary>∇f(x, y) in float64, written out by hand.</summary>
    public (double Dx, double Dy) Gradient(double x, double y) => _grad(x, y);

    /// <summary>The residual functions g(x, y) as IR over the parameter nodes <paramref name="x"/> and <paramref name="y"/> (each shape [1]).</summary>
    public Node[] Residuals(Node x, Node y) => _g(x, y);

    /// <summary>The distance of (x, y) to the minimum.</summary>
    public double Distance(double x, double y) => Math.Sqrt((x - Minimum.X) * (x - Minimum.X) + (y - Minimum.Y) * (y - Minimum.Y));

    /// <summary>The function called <paramref name="name"/> (<c>rosenbrock</c> or <c>beale</c>).</summary>
    public static TestFunction ByName(string name) => name switch
    {
        "rosenbrock" => Rosenbrock,
        "beale" => Beale,
        _ => throw new ArgumentException($"Unknown test function '{name}' (rosenbrock, beale).", nameof(name)),
    };

    /// <summary>Log-spaced levels 10^(k/2) for k = <paramref name="from"/>..<paramref name="to"/>.</summary>
    private static double[] LogLevels(int from, int to)
    {
        var l = new double[to - from + 1];
        for (int k = from; k <= to; k++) l[k - from] = Math.Pow(10, k / 2.0);
        return l;
    }

    /// <summary>
    /// Rosenbrock's banana function (1 − x)² + 100(y − x²)², minimum 0 at (1, 1), started at Rosenbrock's own (−1.2, 1).
    /// Residuals g = (x, 10(y − x²)) against c = (1, 0).
    /// </summary>
    public static TestFunction Rosenbrock { get; } = new(
        "rosenbrock", "(1 − x)² + 100(y − x²)²",
        (x, y) => (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x),
        (x, y) => (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
        (x, y) => new[] { x, 10.0 * (y - x * x) },
        new[] { 1.0, 0.0 }, (-1.2, 1.0), (1.0, 1.0), (-2.0, 2.0), (-1.0, 3.0), LogLevels(-4, 7));

    /// <summary>
    /// Beale's function (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)², minimum 0 at (3, 0.5), started at (1, 1.5).
    /// Residuals gᵢ = x(1 − yⁱ) against c = (1.5, 2.25, 2.625).
    /// </summary>
    public static TestFunction Beale { get; } = new(
        "beale", "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        (x, y) => Sq(1.5 - x + x * y) + Sq(2.25 - x + x * y * y) + Sq(2.625 - x + x * y * y * y),
        (x, y) =>
        {
            double a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
            return (2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y * y * y - 1), 2 * a * x + 4 * b * x * y + 6 * c * x * y * y);
        },
        (x, y) => new[] { x * (1.0 - y), x * (1.0 - y * y), x * (1.0 - y * y * y) },
        new[] { 1.5, 2.25, 2.625 }, (1.0, 1.5), (3.0, 0.5), (-2.0, 5.0), (-4.0, 6.0), LogLevels(-4, 10));

    private static double Sq(double v) => v * v;
}

/// <summary>
/// The point (x, y) as a model: two parameters <c>x</c> and <c>y</c> (shape [1], initialized to the start point), and
/// an output row g(x, y) of the function's residuals for every example of the batch. The input is a constant 1 per
/// example that only carries the batch axis (output = input · g). With the least-squares loss summed over a batch of
/// one example against the target c, the training loss is exactly f(x, y), so the compiled training step takes one
/// step of the optimizer on f.
/// </summary>
public sealed class PointModel : Module
{
    private readonly TestFunction _f;

    /// <summary>The point model of <paramref name="f"/>.</summary>
    public PointModel(TestFunction f) : base("Point") { _f = f ?? throw new ArgumentNullException(nameof(f)); }

    /// <inheritdoc/>
    public override string Description => $"Point (x, y) → {_f.Name} residuals";

    /// <inheritdoc/>
    protected override Node Forward(Node one)
    {
        var x = Param("x", Shape.Of(1), ParamRole.Other, Initializer.Constant(_f.Start.X));
        var y = Param("y", Shape.Of(1), ParamRole.Other, Initializer.Constant(_f.Start.Y));
        return one * F.Concat(0, _f.Residuals(x, y));
    }
}
