"""SPC's ensemble: autoencoder members trained together, round after round, on the
samples their latent-space clusterings agree on."""

import copy
import functools
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from joblib.parallel import get_active_backend

from skdeepcluster.augment import random_affine
from skdeepcluster.nn import AutoencoderEnsemble
from skdeepcluster.selection import ensemble_vote
from skdeepcluster.training import encode, progress_bar, train_autoencoder


def head_augmentation(spec):
    """The transform of the agreed samples the heads train on: a small random affine
    warp of images, nothing for vectors."""
    if spec.kind != "image":
        return None
    return functools.partial(random_affine, rotate=10.0, translate=0.1, scale=(0.9, 1.1))


@dataclass
class MemberTraining:
    """How every member trains: Adam (a fresh state per call), reconstruction on all
    samples and cross-entropy of its head on the pseudo-labelled ones, on one thread;
    members run in parallel through joblib with ``n_jobs``."""

    batch_size: int
    lr: float
    noise_scale: float
    reconstruction: str
    n_jobs: object

    def parallel(self):
        # results as they come, for the progress bar, where the backend (the caller's
        # joblib.parallel_config) can; their order is the members' either way
        backend, _ = get_active_backend()
        as_they_come = getattr(backend, "supports_return_generator", False)
        return Parallel(n_jobs=self.n_jobs,
                        return_as="generator" if as_they_come else "list")

    def run(self, ctx, members, targets, epochs, augment=None, stage="rounds"):
        """Train each member ``epochs`` epochs on ``targets`` (-1: no pseudo-label);
        during ``stage="member pretraining"`` a progress bar counts the members."""
        seeds = ctx.rng.randint(np.iinfo(np.int32).max, size=len(members))
        label = ctx.stage_label(stage)
        trained = self.parallel()(
            delayed(train_autoencoder)(
                m, ctx.X, targets, int(s), epochs=epochs, batch_size=self.batch_size,
                lr=self.lr, noise_scale=self.noise_scale, reconstruction=self.reconstruction,
                augment=augment, device=ctx.device, stage=label,
            )
            for m, s in zip(members, seeds, strict=True)
        )
        verbose = ctx.verbose and stage == "member pretraining"
        with progress_bar(label, len(members), verbose) as bar:
            members = []
            for member in trained:
                members.append(member)
                bar.update(1)
        return members


@dataclass
class EnsembleRounds:
    """SPC's rounds. Each: every member's latent space (and their concatenation, with
    ``concat_member``) is labelled by ``labelling``; the labelings are aligned and vote
    (:func:`~skdeepcluster.selection.ensemble_vote`, ``min_agreement`` of the votes,
    ``min_cluster_share`` floor); every member trains ``epochs_per_round`` epochs on the
    agreed samples. Stops when fewer than ``tol`` of the labels change, after
    ``patience`` rounds without a larger agreed fraction, or after ``max_rounds``; the
    round with the largest agreed fraction, the pretrained members' first vote (round 0)
    included, is kept and its vote trained on once more."""

    epochs_per_round: int
    max_rounds: int
    patience: int
    tol: float
    min_agreement: float
    min_cluster_share: float
    concat_member: bool
    augment: str

    def run(self, ctx, members, training, labelling, n_clusters):
        """Rounds from pretrained ``members``; returns SPC's fitted attributes."""
        augment = head_augmentation(ctx.spec) if self.augment == "auto" else None
        vote = self._vote(ctx, members, training, labelling, n_clusters, None)
        history, trail = [vote.agreed.mean()], [vote]
        bar = progress_bar(ctx.stage_label("rounds"), self.max_rounds, ctx.verbose)
        bar.set_postfix(agreed=f"{history[-1]:.3f}")
        # round 0 competes too: the rounds may never agree as well as the first vote did
        best, wait = (0, copy.deepcopy(members), vote), 0
        for r in range(1, self.max_rounds + 1):
            targets = np.where(vote.agreed, vote.labels, -1)
            members = training.run(ctx, members, targets, self.epochs_per_round, augment)
            previous = vote.labels
            vote = self._vote(ctx, members, training, labelling, n_clusters, previous)
            history.append(vote.agreed.mean())
            trail.append(vote)
            changed = float(np.mean(vote.labels != previous))
            bar.set_postfix(agreed=f"{history[-1]:.3f}", changed=f"{changed:.3f}")
            bar.update(1)
            if history[-1] > history[best[0]]:
                best, wait = (r, copy.deepcopy(members), vote), 0
            else:
                wait += 1
            if wait >= self.patience or changed < self.tol:
                break
        bar.close()
        best_round, members, vote = best
        # the heads last trained on the previous round's vote; one more round of
        # training on the kept vote makes predict follow SPC's own output
        targets = np.where(vote.agreed, vote.labels, -1)
        members = training.run(ctx, members, targets, self.epochs_per_round, augment)
        return {
            "module_": AutoencoderEnsemble(members).to(ctx.device),
            "autoencoders_": members,
            "ensemble_labels_": vote.labels,
            "agreement_mask_": vote.agreed,
            "member_labels_": vote.aligned,
            "usable_members_": vote.usable,
            "agreement_history_": np.asarray(history),
            "ensemble_labels_history_": np.stack([v.labels for v in trail]),
            "agreement_mask_history_": np.stack([v.agreed for v in trail]),
            "n_rounds_": len(history) - 1,
            "best_round_": best_round,
        }

    def _vote(self, ctx, members, training, labelling, n_clusters, previous):
        codes = [encode(m, ctx.X, ctx.device) for m in members]
        for m in members:
            m.cpu()
        if self.concat_member and len(codes) > 1:
            codes.append(np.concatenate(codes, axis=1))
        seeds = ctx.rng.randint(np.iinfo(np.int32).max, size=len(codes))
        subsample = labelling.draw_subsample(ctx.rng, ctx.n_samples)
        labels = list(training.parallel()(
            delayed(labelling)(z, int(s), subsample)
            for z, s in zip(codes, seeds, strict=True)))
        return ensemble_vote(
            np.stack(labels), n_clusters, reference=len(codes) - 1, previous=previous,
            ratio=1.0 / self.min_agreement, min_cluster_share=self.min_cluster_share,
        )

