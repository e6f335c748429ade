using System;
using System.Globalization;

namespace Nabla;

/// <summary>
/// A learning-rate schedule: a plain function of the step number k = 0, 1, 2, … (the number of steps already taken),
/// evaluated on the host before each step and fed to the compiled step as its scalar input <c>lr</c>, so changing
/// the schedule never recompiles anything.
/// </summary>
public abstract class LearningRate
{
    /// <summary>The learning rate for the step taken after <paramref name="step"/> earlier steps.</summary>
    public abstract double At(long step);

    /// <summary>A one-line description, e.g. <c>cosine(0.01→0, 6000 steps)</c>.</summary>
    public abstract override string ToString();

    /// <summary>The same rate at every step.</summary>
    public static LearningRate Constant(double lr) => new ConstantRate(Check(lr, nameof(lr)));

    /// <summary>Step decay: <c>lr·γ^⌊k/stepSize⌋</c> (PyTorch's <c>StepLR</c>).</summary>
    public static LearningRate Step(double lr, long stepSize, double gamma = 0.1)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "The step size of a step schedule must be positive.");
        if (!(gamma > 0) || double.IsInfinity(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "γ must be positive and finite.");
        return new StepRate(Check(lr, nameof(lr)), stepSize, gamma);
    }

    /// <summary>
    /// Cosine annealing from <paramref name="lr"/> to <paramref name="minLr"/> over <paramref name="totalSteps"/> steps:
    /// <c>min + (lr − min)·(1 + cos(π·k/total))/2</c>, then <paramref name="minLr"/> (PyTorch's <c>CosineAnnealingLR</c> without restarts).
    /// </summary>
    public static LearningRate Cosine(double lr, long totalSteps, double minLr = 0)
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "A cosine schedule needs a positive number of steps.");
        if (!(minLr >= 0) || minLr > lr) throw new ArgumentOutOfRangeException(nameof(minLr), minLr, "The final rate must be in [0, lr].");
        return new CosineRate(Check(lr, nameof(lr)), totalSteps, minLr);
    }

    /// <summary>Any function of the step (its values are checked when used: each must be positive and finite).</summary>
    public static LearningRate From(Func<long, double> schedule, string description = "custom") =>
        new FuncRate(schedule ?? throw new ArgumentNullException(nameof(schedule)), description);

    /// <summary>A constant schedule.</summary>
    public static implicit operator LearningRate(double lr) => Constant(lr);

    private static double Check(double lr, string name) =>
        lr > 0 && !double.IsInfinity(lr) ? lr : throw new ArgumentOutOfRangeException(name, lr, "The learning rate must be a positive finite number.");

    private static string N(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private sealed class ConstantRate : LearningRate
    {
        private readonly double _lr;
        public ConstantRate(double lr) { _lr = lr; }
        public override double At(long step) => _lr;
        public override string ToString() => $"constant({N(_lr)})";
    }

    private sealed class StepRate : LearningRate
    {
        private readonly double _lr, _gamma; private readonly long _size;
        public StepRate(double lr, long size, double gamma) { _lr = lr; _size = size; _gamma = gamma; }
        public override double At(long step) => _lr * Math.Pow(_gamma, Math.Max(0, step) / _size);
        public override string ToString() => $"step({N(_lr)}, ×{N(_gamma)} every {_size} steps)";
    }

    private sealed class CosineRate : LearningRate
    {
        private readonly double _lr, _min; private readonly long _total;
        public CosineRate(double lr, long total, double min) { _lr = lr; _total = total; _min = min; }
        public override double At(long step) =>
            step >= _total ? _min : _min + (_lr - _min) * (1 + Math.Cos(Math.PI * Math.Max(0, step) / _total)) / 2;
        public override string ToString() => $"cosine({N(_lr)}→{N(_min)}, {_total} steps)";
    }

    private sealed class FuncRate : LearningRate
    {
        private readonly Func<long, double> _f; private readonly string _d;
        public FuncRate(Func<long, double> f, string d) { _f = f; _d = d; }
        public override double At(long step)
        {
            double v = _f(step);
            return v > 0 && !double.IsInfinity(v) ? v
                : throw new ArgumentOutOfRangeException(nameof(step), v, $"The learning-rate schedule {_d} gave {v} at step {step}; it must be positive and finite.");
        }
        public override string ToString() => _d;
    }
}
