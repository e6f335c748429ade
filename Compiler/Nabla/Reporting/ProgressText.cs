using System;
using System.Globalization;
using System.Text;

namespace Nabla.Reporting;

/// <summary>The text of progress lines, shared by the plain and the live display: key=value pairs, invariant culture.</summary>
internal static class ProgressText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The planned number of epochs: given, or derived from the planned steps; 0 if unknown.</summary>
    public static int PlannedEpochs(TrainingInfo info)
    {
        if (info.Epochs > 0) return info.Epochs;
        if (info.TotalSteps is long s && s > 0 && info.StepsPerEpoch > 0)
            return (int)Math.Min(int.MaxValue, (s + info.StepsPerEpoch - 1) / info.StepsPerEpoch);
        return 0;
    }

    /// <summary>"training: 4000 examples, batch 100, 40 steps/epoch, 150 epochs, 6000 steps, validation 1000 examples, model …, parameters=15210, optimizer …".</summary>
    public static string Started(TrainingInfo info)
    {
        var sb = new StringBuilder("training: ");
        sb.Append(info.TrainExamples.ToString(Inv)).Append(" examples, batch ").Append(info.BatchSize.ToString(Inv));
        sb.Append(", ").Append(info.StepsPerEpoch.ToString(Inv)).Append(" steps/epoch");
        int epochs = PlannedEpochs(info);
        if (epochs > 0) sb.Append(", ").Append(epochs.ToString(Inv)).Append(" epochs");
        if (info.TotalSteps is long t) sb.Append(", ").Append(t.ToString(Inv)).Append(" steps");
        if (info.ValidationExamples is int v) sb.Append(", validation ").Append(v.ToString(Inv)).Append(" examples");
        if (!string.IsNullOrEmpty(info.Model)) sb.Append(", model ").Append(info.Model);
        if (info.Parameters is long p) sb.Append(", parameters=").Append(p.ToString(Inv));
        if (!string.IsNullOrEmpty(info.Optimizer)) sb.Append(", optimizer ").Append(info.Optimizer);
        return sb.ToString();
    }

    /// <summary>
    /// The key of the training accuracy in progress lines: <c>accuracy</c>, or <c>accuracy(dropout)</c> when the
    /// training step applies dropout — then it is measured with dropout active (a running count over the epoch's
    /// batches while the weights change), so it reads lower than an evaluation of the training set (dropout off).
    /// </summary>
    public static string AccuracyKey(bool dropout) => dropout ? "accuracy(dropout)" : "accuracy";

    /// <summary>"epoch 3/150 step=120/6000 loss=0.81234 accuracy=0.7012 val_loss=… val_accuracy=… samples/s=… elapsed=1.2s" (<c>accuracy(dropout)=</c> with dropout).</summary>
    public static string Epoch(EpochInfo info, long? totalSteps, double? samplesPerSecond, bool dropout = false)
    {
        var sb = new StringBuilder("epoch ");
        sb.Append(info.Epoch.ToString(Inv));
        if (info.Epochs > 0) sb.Append('/').Append(info.Epochs.ToString(Inv));
        sb.Append(" step=").Append(info.Step.ToString(Inv));
        if (totalSteps is long t) sb.Append('/').Append(t.ToString(Inv));
        sb.Append(" loss=").Append(Loss(info.TrainLoss));
        if (info.TrainAccuracy is double a) sb.Append(' ').Append(AccuracyKey(dropout)).Append('=').Append(Accuracy(a));
        if (info.ValidationLoss is double vl) sb.Append(" val_loss=").Append(Loss(vl));
        if (info.ValidationAccuracy is double va) sb.Append(" val_accuracy=").Append(Accuracy(va));
        if ((info.SamplesPerSecond ?? samplesPerSecond) is double r) sb.Append(" samples/s=").Append(Rate(r));
        sb.Append(" elapsed=").Append(Seconds(info.Elapsed));
        return sb.ToString();
    }

    /// <summary>"step 1234/6000 epoch=3 loss=… accuracy=… samples/s=…".</summary>
    public static string Step(in StepInfo info, bool dropout = false)
    {
        var sb = new StringBuilder("step ");
        sb.Append(info.Step.ToString(Inv));
        if (info.TotalSteps is long t) sb.Append('/').Append(t.ToString(Inv));
        sb.Append(" epoch=").Append(info.Epoch.ToString(Inv));
        sb.Append(" loss=").Append(Loss(info.Loss));
        if (info.Accuracy is double a) sb.Append(' ').Append(AccuracyKey(dropout)).Append('=').Append(Accuracy(a));
        sb.Append(" samples/s=").Append(Rate(info.SamplesPerSecond));
        return sb.ToString();
    }

    /// <summary>"finished: 150 epochs, 6000 steps in 12.3s loss=… accuracy=… val_loss=… val_accuracy=…[ (stopped early: …)]".</summary>
    public static string Finished(FinishedInfo info, bool dropout = false)
    {
        var sb = new StringBuilder("finished: ");
        sb.Append(info.Epochs.ToString(Inv)).Append(" epochs, ").Append(info.Steps.ToString(Inv)).Append(" steps in ").Append(Seconds(info.Elapsed));
        if (info.TrainLoss is double l) sb.Append(" loss=").Append(Loss(l));
        if (info.TrainAccuracy is double a) sb.Append(' ').Append(AccuracyKey(dropout)).Append('=').Append(Accuracy(a));
        if (info.ValidationLoss is double vl) sb.Append(" val_loss=").Append(Loss(vl));
        if (info.ValidationAccuracy is double va) sb.Append(" val_accuracy=").Append(Accuracy(va));
        if (!string.IsNullOrEmpty(info.StoppedEarly)) sb.Append(" (stopped early: ").Append(info.StoppedEarly).Append(')');
        return sb.ToString();
    }

    /// <summary>A loss with 6 significant digits.</summary>
    public static string Loss(double v) => v.ToString("G6", Inv);

    /// <summary>An accuracy with 4 decimals.</summary>
    public static string Accuracy(double v) => v.ToString("0.0000", Inv);

    /// <summary>A rate rounded to a whole number.</summary>
    public static string Rate(double v) => double.IsFinite(v) ? Math.Round(v).ToString("0", Inv) : v.ToString(Inv);

    /// <summary>A duration in seconds with one decimal (three below one second).</summary>
    public static string Seconds(TimeSpan t) =>
        (t.TotalSeconds < 1 ? t.TotalSeconds.ToString("0.000", Inv) : t.TotalSeconds.ToString("0.0", Inv)) + "s";
}
