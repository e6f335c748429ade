using System;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Runtime;

public class VecOpsTests
{
    [Fact]
    public void Maps_agree_bitwise_with_vmath_for_every_length_and_offset()
    {
        var rng = new Random(2);
        foreach (int n in new[] { 0, 1, 7, 15, 16, 17, 33, 100 })
        {
            float[] x = new float[n + 3];
            double[] xd = new double[n + 3];
            for (int i = 0; i < x.Length; i++) { x[i] = (float)(rng.NextDouble() * 20 - 10); xd[i] = x[i] * 1.0001; }
            float[] y = new float[n + 5];
            double[] yd = new double[n + 5];
            VecOps.Exp(x, 3, y, 5, n); for (int i = 0; i < n; i++) Assert.Equal(VMath.Exp(x[3 + i]), y[5 + i]);
            VecOps.Tanh(x, 3, y, 5, n); for (int i = 0; i < n; i++) Assert.Equal(VMath.Tanh(x[3 + i]), y[5 + i]);
            VecOps.Sigmoid(x, 3, y, 5, n); for (int i = 0; i < n; i++) Assert.Equal(VMath.Sigmoid(x[3 + i]), y[5 + i]);
            VecOps.Softplus(x, 3, y, 5, n); for (int i = 0; i < n; i++) Assert.Equal(VMath.Softplus(x[3 + i]), y[5 + i]);
            VecOps.Log(x, 3, y, 5, n); for (int i = 0; i < n; i++) Assert.Equal(VMath.Log(x[3 + i]), y[5 + i]);
            VecOps.Exp(xd, 3, yd, 5, n); for (int i = 0; i < n; i++) Assert.Equal(VMath.Exp(xd[3 + i]), yd[5 + i]);
            VecOps.Log(xd, 3, yd, 5, n); for (int i = 0; i < n; i++) Assert.Equal(VMath.Log(xd[3 + i]), yd[5 + i]);
            Assert.Equal(0f, y[0]);
        }
    }

    [Fact]
    public void Arithmetic_helpers()
    {
        float[] a = { 1, 2, 3, 4, 5 }, b = { 10, 20, 30, 40, 50 }, y = new float[6];
        VecOps.Add(a, 1, b, 0, y, 2, 3); Assert.Equal(new float[] { 0, 0, 12, 23, 34, 0 }, y);
        VecOps.Mul(a, 0, b, 0, y, 0, 2); Assert.Equal(new float[] { 10, 40 }, y[..2]);
        VecOps.Scale(a, 0, 2f, y, 0, 5); Assert.Equal(new float[] { 2, 4, 6, 8, 10, 0 }, y);
        VecOps.Axpy(-1f, a, 0, y, 0, 5); Assert.Equal(new float[] { 1, 2, 3, 4, 5, 0 }, y);
        VecOps.Copy(b, 2, y, 3, 3); Assert.Equal(new float[] { 1, 2, 3, 30, 40, 50 }, y);
        VecOps.Fill(y, 1, 2, 7f); Assert.Equal(new float[] { 1, 7, 7, 30, 40, 50 }, y);
        double[] d = { 1, 2 };
        VecOps.Axpy(0.5, d, 0, d, 0, 2); Assert.Equal(new[] { 1.5, 3 }, d);
        var e = Assert.ThrowsAny<ArgumentException>(() => VecOps.Add(a, 3, b, 0, y, 0, 3));
        Assert.Equal("a", e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => VecOps.Exp(a, 0, y, 0, -1));
        Assert.Equal("n", e.ParamName);
    }
}
