using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
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
    /// rank applies the same update with <see cref="Network.ApplyUpdate()"/>. Buffers (running statistics) are averaged,
    /// weighted by the rows. An exception on one rank is thrown on every rank after that allreduce; a callback's stop
    /// on one rank stops every rank.</item>
    /// <item>Validation is split over the ranks by batches and summed.</item>
    /// </list>
    /// </summary>
    private sealed class DataParallel
    {
        private readonly ICommunicator _comm;
        private readonly Network _net;
        private readonly bool _sum;
        private readonly string[] _buffers;
        private float[] _x = Array.Empty<float>(), _t = Array.Empty<float>();
        private int[] _labels = Array.Empty<int>(), _indices = Array.Empty<int>();

        /// <summary>
        /// Joins the run: compares every rank's model, data and options first (before anything that could fail on one
        /// rank alone), so that a difference stops every rank with the same message naming it.
        /// </summary>
        public DataParallel(ICommunicator comm, Network network, Dataset train, Dataset? validation, TrainingOptions o)
        {
            _comm = comm; _net = network;
            var sig = network.Signature;
            string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
            comm.CheckSame("Data-parallel training", new[]
            {
                KeyValuePair.Create("model", $"{sig.ModelName}: {sig.Setup}"),
                KeyValuePair.Create("parameters", string.Join(", ", sig.Parameters)),
                KeyValuePair.Create("inputs, outputs and targets", $"{string.Join(", ", sig.Inputs)} -> {string.Join(", ", sig.Outputs)}; targets {string.Join(", ", sig.Targets)}; masks {string.Join(", ", sig.Masks)}"),
                KeyValuePair.Create("optimizer", sig.Optimizer),
                KeyValuePair.Create("split step", network.HasSplitStep ? "compiled" : "not compiled"),
                KeyValuePair.Create("training set", $"{train.Count} examples of {train.ExampleSize} values, classes {train.Classes}, content hash {Hash(train):x16}"),
                KeyValuePair.Create("validation set", validation is null ? "none" : $"{validation.Count} examples of {validation.ExampleSize} values, content hash {Hash(validation):x16}"),
                KeyValuePair.Create("batch size", $"{o.BatchSize}, drop last {o.DropLast}, evaluation batch size {o.EvaluationBatchSize}"),
                KeyValuePair.Create("length", o.Steps is { } steps ? $"{steps} steps" : $"{o.Epochs} epochs"),
                KeyValuePair.Create("seed and order", $"seed {o.Seed}, shuffle {o.Shuffle}"),
                KeyValuePair.Create("augmentation", o.Augmentation?.ToString() ?? "none"), // a custom augmentation compares by its ToString
                KeyValuePair.Create("learning rate", o.LearningRate is { } lr ? $"{lr} (at the first step {F(lr.At(0))})" : "the optimizer's " + F(sig.LearningRate)),
                KeyValuePair.Create("early stopping", o.EarlyStopping is { } es ? $"patience {es.Patience}, min delta {F(es.MinDelta)}, restore {es.RestoreBest}" : "none"),
                KeyValuePair.Create("callbacks", o.Callbacks.Count.ToString(CultureInfo.InvariantCulture)),
            });
            _sum = sig.LossReduction == "sum";
            _buffers = sig.Parameters.Where(p => p.Buffer).Select(p => p.Name).ToArray();
        }

        /// <summary>
        /// Once the options are checked (the same on every rank): refuses what cannot train data-parallel, with the same
        /// message on every rank, then copies rank 0's weights, optimizer state, step count and dropout seed to the others.
        /// </summary>
        public void Start(BatchLoader loader)
        {
            var sig = _net.Signature;
            string where = $"Data-parallel training of \"{sig.ModelName}\" over {_comm.Size} ranks";
            if (!_net.HasSplitStep)
                throw new ArgumentException($"{where} sums gradients between ComputeGradients and ApplyUpdate: compile the model with TrainingSetup.SplitStep = true.");
            if (sig.ShardingCaveat is { } why)
                throw new ArgumentException($"{where}: each rank's loss over its rows must add up to the batch's, but {why}; train in one process.");
            // The smallest shard a batch is cut into (a 0-row shard computes nothing) must be a batch a training step accepts.
            var (least, reason) = _net.MinimumTrainingBatch;
            int last = loader.DropLast ? 0 : loader.Data.Count % loader.BatchSize;
            foreach (int rows in new[] { loader.BatchSize, last }.Where(r => r > 0))
            {
                int shard = Math.Max(1, rows / _comm.Size);
                if (shard < least)
                    throw new ArgumentException($"{where}: a batch of {rows} rows gives shards of {shard} row(s), but {reason}; use batches of at least {least * _comm.Size} rows{(rows == last ? " (this is the last, partial batch of an epoch: or set DropLast)" : "")}.");
            }

            // Rank 0's weights, optimizer state, step and dropout seed, so a run that loaded a checkpoint on rank 0 alone resumes everywhere.
            foreach (var p in sig.Parameters) _comm.Broadcast(_net.ParameterValues(p.Name), 0);
            foreach (var s in sig.State) _comm.Broadcast(_net.StateValues(s.Name), 0);
            Span<byte> counters = stackalloc byte[16];
            BitConverter.TryWriteBytes(counters, _net.Step);
            BitConverter.TryWriteBytes(counters.Slice(8), _net.DropoutSeed);
            _comm.Broadcast(counters, 0);
            _net.Step = BitConverter.ToInt64(counters);
            _net.DropoutSeed = BitConverter.ToInt64(counters.Slice(8));
        }

        public int Rank => _comm.Rank;

        /// <summary>Stopwatch ticks spent in the gradient allreduce so far.</summary>
        public long AllReduceTicks { get; private set; }

        /// <summary>
        /// One step on this rank's shard of <paramref name="batch"/>; returns the global batch's loss and correct count.
        /// An exception on any rank is thrown on every rank (the others with a message naming how many failed), so none
        /// is left waiting for it in a collective.
        /// </summary>
        public (float Loss, long Correct) Step(Feed feed, in Batch batch, double lr)
        {
            int b = batch.Count, size = _comm.Size, rank = _comm.Rank;
            int lo = (int)((long)b * rank / size), n = (int)((long)b * (rank + 1) / size) - lo;
            int length = _net.Signature.GradientLength;
            var buffer = _net.GradientBuffer;
            // A mean loss over the shard counts as its share of the global batch's mean; sums add up as they are.
            float w = _sum ? 1f : (float)((double)n / b);
            ExceptionDispatchInfo? failure = null;
            if (n > 0)
            {
                try
                {
                    var shard = Shard(batch, lo, n);
                    float loss = feed.ComputeGradients(_net, shard, new BatchShard(lo, b));
                    int correct = feed.Classes > 0 ? Correct(_net, shard.Labels, n, feed.Classes) : 0;
                    if (w != 1f) Scale(buffer.AsSpan(0, length), w);
                    buffer[length] = w * loss;
                    buffer[length + 1] = correct;
                }
                catch (Exception e) when (e is not OutOfMemoryException) { failure = ExceptionDispatchInfo.Capture(e); }
            }
            if (n == 0 || failure is not null) Array.Clear(buffer, 0, length + 2); // this rank adds nothing
            buffer[length + 2] = failure is null ? 0 : 1;
            long started = Stopwatch.GetTimestamp();
            _comm.AllReduceSum(buffer.AsSpan(0, length + 3));
            AllReduceTicks += Stopwatch.GetTimestamp() - started;
            if (buffer[length + 2] > 0)
            {
                failure?.Throw();
                throw new InvalidOperationException($"Data-parallel training: {buffer[length + 2]:0} other rank(s) failed in step {_net.Step + 1}; their own error says why.");
            }
            float total = buffer[length];
            long right = (long)buffer[length + 1];
            _net.ApplyUpdateAt(lr);
            // Buffers (running statistics): each rank's, weighted by its share of the rows.
            foreach (var name in _buffers)
            {
                var values = _net.ParameterValues(name);
                Scale(values, (float)((double)n / b));
                _comm.AllReduceSum(values);
            }
            return (total, right);
        }

        /// <summary>Stops the run on every rank when a callback stopped it on any (callbacks may decide from what only their rank sees).</summary>
        public void AgreeOnStop(TrainingControl control)
        {
            Span<float> stop = stackalloc float[1];
            stop[0] = control.StopReason is null ? 0 : 1;
            _comm.AllReduceSum(stop);
            if (stop[0] > 0 && control.StopReason is null) control.Stop($"a callback on another rank stopped the run ({stop[0]:0} rank(s))");
        }

        /// <summary>
        /// The loss and accuracy over a dataset, its batches split over the ranks and the sums added (an exception on one
        /// rank is thrown on every rank, as in <see cref="Step"/>).
        /// </summary>
        public Metrics Evaluate(Network network, Feed feed, BatchLoader loader)
        {
            loader.Reset(0);
            Span<double> sums = stackalloc double[4];
            sums.Clear();
            ExceptionDispatchInfo? failure = null;
            try
            {
                while (loader.Next(out var b))
                {
                    if (b.Index % _comm.Size != _comm.Rank) continue;
                    float loss = feed.Evaluate(network, b);
                    sums[0] += _sum ? loss : (double)loss * b.Count;
                    if (feed.Classes > 0) sums[1] += Correct(network, b.Labels, b.Count, feed.Classes);
                    sums[2] += b.Count;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException) { failure = ExceptionDispatchInfo.Capture(e); sums.Clear(); sums[3] = 1; }
            _comm.AllReduceSum(sums);
            if (sums[3] > 0)
            {
                failure?.Throw();
                throw new InvalidOperationException($"Data-parallel training: {sums[3]:0} other rank(s) failed while evaluating; their own error says why.");
            }
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

        // A hash of the features, targets and labels, 4 bytes at a time (the datasets are float and int arrays): ranks
        // reading different files, or versions of a file, are told so.
        private static ulong Hash(Dataset d)
        {
            ulong h = 14695981039346656037UL;
            void Add(ReadOnlySpan<uint> words) { foreach (uint x in words) { h = (h ^ x) * 1099511628211UL; h ^= h >> 29; } }
            Add(System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(d.Features));
            if (d.Targets is { } t) Add(System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(t));
            if (d.Labels is { } l) Add(System.Runtime.InteropServices.MemoryMarshal.Cast<int, uint>(l));
            return h;
        }
    }
}
