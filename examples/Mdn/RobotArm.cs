using System;
using System.Collections.Generic;
using Nabla;

namespace Mdn;

/// <summary>
/// Bishop's two-link planar robot arm (Bishop 1994, "Mixture density networks"; PRML §5.6, Fig. 5.18): a first link of
/// length <see cref="L1"/> = 0.8 turned by θ₁ from the x₁ axis, a second of length <see cref="L2"/> = 0.2 turned by
/// θ₂ relative to the first, with the hand at
/// <code>x₁ = L₁ cos θ₁ − L₂ cos(θ₁ + θ₂),   x₂ = L₁ sin θ₁ − L₂ sin(θ₁ + θ₂)</code>
/// and the joints limited to θ₁ ∈ (0.3, 1.2), θ₂ ∈ (π/2, 3π/2). The forward map (angles → hand) is a function; its
/// inverse (hand → angles) is not: a hand position away from the workspace's edge is reached both elbow-up and
/// elbow-down, θ₂ = π ± α with two different θ₁ (<see cref="Inverse"/>).
/// </summary>
public static class RobotArm
{
    /// <summary>Length of the first link.</summary>
    public const double L1 = 0.8;
    /// <summary>Length of the second link.</summary>
    public const double L2 = 0.2;
    /// <summary>Lower limit of θ₁ (radians).</summary>
    public const double Theta1Min = 0.3;
    /// <summary>Upper limit of θ₁.</summary>
    public const double Theta1Max = 1.2;
    /// <summary>Lower limit of θ₂ (π/2).</summary>
    public const double Theta2Min = Math.PI / 2;
    /// <summary>Upper limit of θ₂ (3π/2).</summary>
    public const double Theta2Max = 3 * Math.PI / 2;

    /// <summary>The random stream of the validation sample (<see cref="Sample"/>), independent of the training sample's for the same seed.</summary>
    public const string ValidationStream = "robot-arm-validation";

    /// <summary>The hand position for joint angles (<paramref name="theta1"/>, <paramref name="theta2"/>).</summary>
    public static (double X1, double X2) Forward(double theta1, double theta2) =>
        (L1 * Math.Cos(theta1) - L2 * Math.Cos(theta1 + theta2), L1 * Math.Sin(theta1) - L2 * Math.Sin(theta1 + theta2));

    /// <summary>
    /// Every pair of joint angles within the limits whose hand is at (<paramref name="x1"/>, <paramref name="x2"/>):
    /// none outside the workspace, one or two inside (two where both the elbow-up and the elbow-down pose keep θ₁ in
    /// its range). From |x|² = L₁² + L₂² − 2L₁L₂ cos θ₂: θ₂ = π ± arccos(−cos θ₂) (the branch with θ₂ ≤ π first), and
    /// θ₁ = atan2(x₂, x₁) − atan2(−L₂ sin θ₂, L₁ − L₂ cos θ₂).
    /// </summary>
    public static IReadOnlyList<(double Theta1, double Theta2)> Inverse(double x1, double x2)
    {
        var result = new List<(double, double)>(2);
        double c = (L1 * L1 + L2 * L2 - (x1 * x1 + x2 * x2)) / (2 * L1 * L2); // cos θ₂
        if (c < -1 || c > 1) return result;
        double a = Math.Acos(c); // in [0, π]
        foreach (double t2 in a == Math.PI ? new[] { a } : new[] { a, 2 * Math.PI - a })
        {
            if (t2 <= Theta2Min || t2 >= Theta2Max) continue;
            double t1 = Math.Atan2(x2, x1) - Math.Atan2(-L2 * Math.Sin(t2), L1 - L2 * Math.Cos(t2));
            if (t1 > Theta1Min && t1 < Theta1Max) result.Add((t1, t2));
        }
        return result;
    }

    /// <summary>
    /// <paramref name="count"/> examples of the inverse problem: joint angles drawn uniformly within the limits, the hand
    /// position by <see cref="Forward"/> plus Gaussian sensor noise of standard deviation <paramref name="noise"/> on each
    /// coordinate. Returns the positions (the inputs, [count, 2]) and the angles (the targets, [count, 2]) row-major.
    /// The same <paramref name="seed"/> and <paramref name="stream"/> give the same numbers on every machine
    /// (<see cref="Rng.ForName"/>); another stream name gives an independent sample for the same seed.
    /// </summary>
    public static (float[] Positions, float[] Angles) Sample(int count, long seed, double noise, string stream = "robot-arm")
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The count must be ≥ 0.");
        if (!(noise >= 0) || double.IsInfinity(noise)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "The noise must be finite and ≥ 0.");
        if (string.IsNullOrEmpty(stream)) throw new ArgumentException("The stream name is empty.", nameof(stream));
        var rng = Rng.ForName(seed, stream);
        var x = new float[2 * count];
        var t = new float[2 * count];
        for (int i = 0; i < count; i++)
        {
            double t1 = rng.Uniform(Theta1Min, Theta1Max), t2 = rng.Uniform(Theta2Min, Theta2Max);
            var (x1, x2) = Forward(t1, t2);
            x[2 * i] = (float)(x1 + noise * rng.NextGaussian());
            x[2 * i + 1] = (float)(x2 + noise * rng.NextGaussian());
            t[2 * i] = (float)t1;
            t[2 * i + 1] = (float)t2;
        }
        return (x, t);
    }
}
