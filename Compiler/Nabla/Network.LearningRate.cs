using System;
using System.Globalization;

namespace Nabla;

// The learning rate is given once. The optimizer's (Optimizer.Adam(0.003), recorded in the signature) is the network's
// rate; a schedule set on the network (or given to Trainer.Fit) varies it per step. The step methods take no rate.
public sealed partial class Network
{
    /// <summary>The message of the obsolete step overloads that took the learning rate a second time.</summary>
    internal const string LearningRateTwice =
        "The learning rate is given once: the optimizer's (e.g. Optimizer.Adam(0.003)) is the network's rate, and TrainStep(…) " +
        "without a rate uses it. To vary it per step, set network.LearningRate to a schedule (LearningRate.Cosine(…), " +
        "LearningRate.Step(…), a constant) or pass TrainingOptions.LearningRate to Fit.";

    private LearningRate? _learningRate;

    /// <summary>
    /// The learning rate of every training step as a function of <see cref="Step"/>: by default the optimizer's own rate
    /// (<see cref="Optimizer.LearningRate"/>, as recorded in <see cref="Signature"/>), constant. Set a schedule
    /// (<see cref="Nabla.LearningRate.Cosine"/>, <see cref="Nabla.LearningRate.Step"/>, or a constant — a double converts)
    /// to override it per step: <see cref="TrainStep(float[], float[], int)"/> and <see cref="ApplyUpdate()"/> then use
    /// <c>LearningRate.At(Step)</c>, and so does <see cref="Training.Trainer.Fit"/> unless its
    /// <see cref="Training.TrainingOptions.LearningRate"/> gives a schedule for that run (which leaves this one as it is).
    /// Changing it never recompiles anything (the rate is a run-time input of the compiled step). Checkpoints keep the
    /// step, not the schedule: after <c>Load</c>, set the schedule again.
    /// </summary>
    /// <exception cref="InvalidOperationException">Reading it when the signature records no learning rate and none was set.</exception>
    public LearningRate LearningRate
    {
        get => _learningRate ??= Signature.LearningRate > 0 ? Nabla.LearningRate.Constant(Signature.LearningRate)
            : throw new InvalidOperationException($"The signature of \"{Signature.ModelName}\" records no learning rate; set Network.LearningRate.");
        set { _learningRate = value ?? throw new ArgumentNullException(nameof(value)); LearningRateIsSet = true; }
    }

    /// <summary>Whether <see cref="LearningRate"/> was set (rather than being the optimizer's rate).</summary>
    internal bool LearningRateIsSet { get; private set; }

    /// <summary>The rate of the next step; an error naming the schedule and the step when it is not a positive number.</summary>
    private double RateNow()
    {
        double r = LearningRate.At(Step);
        if (r > 0 && !double.IsInfinity(r)) return r;
        throw new InvalidOperationException(
            $"Network.LearningRate ({LearningRate}) is {N(r)} at step {Step}: a training step needs a positive rate " +
            "(a schedule that ends at 0 covers its own length only); set Network.LearningRate to a schedule that covers this step.");
    }

    /// <summary>
    /// The schedule <paramref name="schedule"/> given to <paramref name="where"/> checked against the network's rate: it
    /// must start where the network's rate does (the optimizer's, or the schedule set on the network), so the rate is
    /// never silently given twice. The error names both values.
    /// </summary>
    internal void CheckSchedule(LearningRate schedule, string where)
    {
        if (!LearningRateIsSet && Signature.LearningRate <= 0) { schedule.At(0); return; } // nothing to agree with
        double first = schedule.At(0), own = LearningRate.At(0);
        if (SameRate(first, own)) return;
        string source = LearningRateIsSet ? $"the schedule set as Network.LearningRate, {LearningRate}" : $"the optimizer's, {Signature.Optimizer}";
        throw new ArgumentException(
            $"The learning rate is given twice: {where} starts at {N(first)} ({schedule}), but the network's rate is {N(own)} ({source}). " +
            $"Give it once: leave {where} unset to train at {N(own)}, start the schedule at {N(own)}, or build the optimizer with {N(first)}.", where);
    }

    private static bool SameRate(double a, double b) => Math.Abs(a - b) <= 1e-12 * Math.Max(Math.Abs(a), Math.Abs(b));

    private static string N(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
