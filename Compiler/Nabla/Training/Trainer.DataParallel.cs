using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using Nabla.Data;
using Nabla.Distributed;

namespace Nabla.Training;

public static partial class Trainer
{
    /// <summary>
    /// One rank's part of data-parallel training (<see cref="TrainingOptions.Communicator"/> with more than one rank).
    /// <list type="bullet">
    /// <item>At the start every rank's model signature, data and options are compared (the first difference is named on
    /// every rank), and rank 0's parameters, optimizer state, step count and dropout seed are copied to the others.</item>
    /// <item>Each step every rank loads the same global batch (the order, augmentation and dropout masks of a one-process
    /// run with the same seed) and computes the gradient of its contiguous shard of rows with
    /// <see cref="Network.ComputeGradients(float[][], float[][], int, BatchShard?)"/>; the shard's gradient, loss and
    /// correct count, weighted by its share of the rows (mean losses), are summed over the ranks by one allreduce; every
    /// rank applies the same update with <see cref="Network.ApplyUpdate"/>. Buffers (running statistics) are averaged.</item>
    /// <item>Validation is split over the ranks by batches and summed.</item>
    /// </list>
    /// </summary>
    private sealed class DataParallel
    {
        private readonly ICommunicator _comm;
        private readonly Network _net;
        private readonly bool _sum;
        private readonly int[] _buffers;
        private float[] _x = Array.Empty<float>(), _t = Array.Empty<float>();
        private int[] _labels = Array.Empty<int>(), _indices = Array.Empty<int>();

        public DataParallel(ICommunicator comm, Network network, Dataset train, Dataset? validation, TrainingOptions o, long total)
        {
            _comm = comm; _net = network;
            var sig = network.Signature;
            if (!network.HasSplitStep)
                throw new ArgumentException($"Data-parallel training over {comm.Size} ranks sums gradients between ComputeGradients and ApplyUpdate: compile \"{sig.ModelName}\" with TrainingSetup.SplitStep = true.", nameof(o));
            _sum = sig.LossReduction == "sum";
            if (_sum && sig.Setup.Contains("regularizers:"))
                throw new ArgumentException($"Data-parallel training of \"{sig.ModelName}\": with Reduction.Sum every rank's loss carries the whole regularization term, which the sum over ranks would count {comm.Size} times; use Reduction.Mean or train in one process.", nameof(o));
            _buffers = sig.Parameters.Where(p => p.Buffer).Select(p => Array.IndexOf(sig.Parameters.ToArray(), p)).ToArray();

            string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
            comm.CheckSame("Data-parallel training", new[]
            {
                Fact("model signature", sig + sig.Setup),
                Fact("training set", $"{train.Count} examples of {train.ExampleSize} values, classes {train.Classes}, content hash {Hash(train):x16}"),
                Fact("validation set", validation is null ? "none" : $"{validation.Count} examples of {validation.ExampleSize} values, content hash {Hash(validation):x16}"),
                Fact("batch size", o.BatchSize.ToString(CultureInfo.InvariantCulture)),
                Fact("steps", total.ToString(CultureInfo.InvariantCulture)),
                Fact("seed and order", $"seed {o.Seed}, shuffle {o.Shuffle}, drop last {o.DropLast}, augmentation {o.Augmentation?.ToString() ?? "none"}"),
                Fact("learning rate", o.LearningRate?.ToString() ?? "the optimizer's " + F(sig.LearningRate)),
                Fact("early stopping", o.EarlyStopping is { } es ? $"patience {es.Patience}, min delta {F(es.MinDelta)}, restore {es.RestoreBest}" : "none"),
            });

            // Rank 0's weights, optimizer state, step and dropout seed, so a run that loaded a checkpoint on rank 0 alone resumes everywhere.
            foreach (var p in sig.Parameters) comm.Broadcast(network.ParameterValues(p.Name), 0);
            foreach (var s in sig.State) comm.Broadcast(network.StateValues(s.Name), 0);
            Span<byte> counters = stackalloc byte[16];
            BitConverter.TryWriteBytes(counters, network.Step);
            BitConverter.TryWriteBytes(counters.Slice(8), network.DropoutSeed);
            comm.Broadcast(counters, 0);
            network.Step = BitConverter.ToInt64(counters);
            network.DropoutSeed = BitConverter.ToInt64(counters.Slice(8));
        }

        public int Rank => _comm.Rank;

        /// <summary>Stopwatch ticks spent in the gradient allreduce so far.</summary>
        public long AllReduceTicks { get; private set; }

        /// <summary>One step on this rank's shard of <paramref name="batch"/>; returns the global batch's loss and correct count.</summary>
        public (float Loss, long Correct) Step(Feed feed, in Batch batch, double lr)
        {
            int b = batch.Count, size = _comm.Size, rank = _comm.Rank;
            int lo = (int)((long)b * rank / size), n = (int)((long)b * (rank + 1) / size) - lo;
            int length = _net.Signature.GradientLength;
            var buffer = _net.GradientBuffer;
            if (n > 0)
            {
                var shard = Shard(batch, lo, n);
                float loss = feed.ComputeGradients(_net, shard, new BatchShard(lo, b));
                int correct = feed.Classes > 0 ? Correct(_net, shard.Labels, n, feed.Classes) : 0;
                // A mean loss over the shard counts as its share of the global batch's mean; sums add up as they are.
                float w = _sum ? 1f : (float)((double)n / b);
                if (w != 1f) Scale(buffer.AsSpan(0, length), w);
                buffer[length] = w * loss;
                buffer[length + 1] = correct;
            }
            else Array.Clear(buffer, 0, length + 2); // fewer rows than ranks: this rank adds nothing
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            _comm.AllReduceSum(buffer.AsSpan(0, length + 2));
            AllReduceTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
            float total = buffer[length];
            long right = (long)buffer[length + 1];
            _net.ApplyUpdate(lr);
            foreach (int i in _buffers)
            {
                var values = _net.ParameterValues(_net.Signature.Parameters[i].Name);
                _comm.AllReduceSum(values);
                Scale(values, 1f / size);
            }
            return (total, right);
        }

        /// <summary>The loss and accuracy over a dataset, its batches split over the ranks and the sums added.</summary>
        public Metrics Evaluate(Network network, Feed feed, BatchLoader loader)
        {
            loader.Reset(0);
            Span<double> sums = stackalloc double[3];
            sums.Clear();
            while (loader.Next(out var b))
            {
                if (b.Index % _comm.Size != _comm.Rank) continue;
                float loss = feed.Evaluate(network, b);
                sums[0] += _sum ? loss : (double)loss * b.Count;
                if (feed.Classes > 0) sums[1] += Correct(network, b.Labels, b.Count, feed.Classes);
                sums[2] += b.Count;
            }
            _comm.AllReduceSum(sums);
            return new Metrics(sums[0] / sums[2], feed.Classes > 0 ? sums[1] / sums[2] : null, (int)sums[2]);
        }

        // Rows [lo, lo + n) of a batch in this rank's own arrays (the loader's arrays are reused by the next batch).
        private Batch Shard(in Batch batch, int lo, int n)
        {
            int xw = batch.X.Length / batch.Capacity, tw = batch.T.Length / batch.Capacity;
            if (_indices.Length < n)
            {
                _x = new float[(long)n * xw]; _t = new float[(long)n * tw];
                _labels = new int[n]; _indices = new int[n];
            }
            Array.Copy(batch.X, (long)lo * xw, _x, 0, (long)n * xw);
            Array.Copy(batch.T, (long)lo * tw, _t, 0, (long)n * tw);
            if (batch.Labels.Length > 0) Array.Copy(batch.Labels, lo, _labels, 0, n);
            Array.Copy(batch.Indices, lo, _indices, 0, n);
            return new Batch(_x, _t, _labels, _indices, n, batch.Index, batch.Epoch);
        }

        private static void Scale(Span<float> values, float w)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var v = new Vector<float>(w);
                for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
                    (new Vector<float>(values.Slice(i)) * v).CopyTo(values.Slice(i));
            }
            for (; i < values.Length; i++) values[i] *= w;
        }

        private static KeyValuePair<string, string> Fact(string name, string value) => new(name, value);

        // FNV-1a over the features, targets and labels: ranks reading different files (or versions) are told so.
        private static ulong Hash(Dataset d)
        {
            ulong h = 14695981039346656037UL;
            void Add(ReadOnlySpan<byte> bytes) { foreach (byte x in bytes) { h ^= x; h *= 1099511628211UL; } }
            Add(System.Runtime.InteropServices.MemoryMarshal.AsBytes(d.Features.AsSpan()));
            if (d.Targets is { } t) Add(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.AsSpan()));
            if (d.Labels is { } l) Add(System.Runtime.InteropServices.MemoryMarshal.AsBytes(l.AsSpan()));
            return h;
        }
    }
}
