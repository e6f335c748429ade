using System;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// A size known up to the run-time batch: <c>Factor · B^Power</c> (Power is usually 0 or 1; a [B,B]
/// matrix has Power 2). Emitters print it as a constant, <c>batch</c> or <c>k * batch</c>.
/// </summary>
public readonly struct Dim : IEquatable<Dim>
{
    /// <summary>Creates <c>factor · B^power</c>.</summary>
    public Dim(long factor, int power = 0) { Factor = factor; Power = power; }

    /// <summary>The static factor.</summary>
    public long Factor { get; }
    /// <summary>The power of the batch size.</summary>
    public int Power { get; }
    /// <summary>True when the size does not depend on the batch.</summary>
    public bool IsStatic => Power == 0 || Factor == 0;

    /// <summary>The size of dimension <paramref name="d"/> of an IR shape (<c>Shape.Batch</c> → B).</summary>
    public static Dim Of(int d) => d == Ir.Shape.Batch ? new Dim(1, 1) : new Dim(d);

    /// <summary>The number of elements of an IR shape.</summary>
    public static Dim SizeOf(Ir.Shape s) => new(s.StaticSize, s.BatchCount);

    /// <summary>The product of the dimensions <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive).</summary>
    public static Dim Product(Ir.Shape s, int from, int to)
    {
        var r = new Dim(1);
        for (int i = from; i < to; i++) r *= Of(s[i]);
        return r;
    }

    /// <summary>The concrete value for a batch size.</summary>
    public long Eval(int batch)
    {
        long v = Factor;
        for (int i = 0; i < Power; i++) v *= batch;
        return v;
    }

#pragma warning disable CS1591
    public static Dim operator *(Dim a, Dim b) => new(a.Factor * b.Factor, a.Power + b.Power);
    public static bool operator ==(Dim a, Dim b) => a.Equals(b);
    public static bool operator !=(Dim a, Dim b) => !a.Equals(b);
#pragma warning restore CS1591

    /// <inheritdoc/>
    public bool Equals(Dim o) => (Factor == 0 && o.Factor == 0) || (Factor == o.Factor && Power == o.Power);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Dim d && Equals(d);
    /// <inheritdoc/>
    public override int GetHashCode() => Factor == 0 ? 0 : (int)(Factor * 31 + Power);

    /// <summary><c>100</c>, <c>B</c>, <c>40*B</c>, <c>B^2</c>.</summary>
    public override string ToString()
    {
        if (IsStatic) return Factor.ToString();
        var b = Power == 1 ? "B" : "B^" + Power;
        return Factor == 1 ? b : Factor + "*" + b;
    }
}

/// <summary>
/// A scalar computed once per call from constants, the batch size and scalar run-time inputs:
/// <c>Constant · B^BatchPower · Π inputs</c>. Used for GEMM alphas such as <c>−lr/B</c> and for means.
/// </summary>
public sealed class ScalarTerm
{
    /// <summary>Creates a term.</summary>
    public ScalarTerm(double constant, int batchPower = 0, params Buffer[] factors)
    {
        Constant = constant; BatchPower = batchPower; Factors = factors;
        foreach (var f in factors)
            if (f.Size != new Dim(1)) throw new ArgumentException($"A scalar term factor must hold one element; {f} holds {f.Size}.");
    }

    /// <summary>The constant factor.</summary>
    public double Constant { get; }
    /// <summary>The power of the batch size (−1 for a mean over the batch).</summary>
    public int BatchPower { get; }
    /// <summary>Scalar buffers (one element each) multiplied in.</summary>
    public Buffer[] Factors { get; }
    /// <summary>True when the term is a plain constant.</summary>
    public bool IsConstant => BatchPower == 0 && Factors.Length == 0;

    /// <summary>The constant 1.</summary>
    public static readonly ScalarTerm One = new(1);

    /// <summary>The product of two terms.</summary>
    public ScalarTerm Times(ScalarTerm o)
    {
        var fs = new Buffer[Factors.Length + o.Factors.Length];
        Factors.CopyTo(fs, 0); o.Factors.CopyTo(fs, Factors.Length);
        return new ScalarTerm(Constant * o.Constant, BatchPower + o.BatchPower, fs);
    }

    /// <summary>Evaluates the term; <paramref name="read"/> gives the value of a scalar buffer.</summary>
    public double Eval(int batch, Func<Buffer, double> read)
    {
        double v = Constant * Math.Pow(batch, BatchPower);
        foreach (var f in Factors) v *= read(f);
        return v;
    }

    /// <summary><c>-1 * B^-1 * %b3</c>.</summary>
    public override string ToString()
    {
        var s = Ir.Attrs.Format(Constant);
        if (BatchPower != 0) s += BatchPower == 1 ? " * B" : $" * B^{BatchPower}";
        foreach (var f in Factors) s += " * " + f.Ref;
        return s;
    }
}
