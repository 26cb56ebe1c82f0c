import numpy as np
import pytest

from skdeepcluster.selection import Selection, ensemble_vote, select_by_agreement


def test_permuted_members_agree_everywhere():
    ref = np.array([0, 0, 1, 1, 2, 2])
    members = np.stack([ref, np.array([2, 2, 0, 0, 1, 1]), np.array([1, 1, 2, 2, 0, 0])])
    vote = ensemble_vote(members, 3)
    np.testing.assert_array_equal(vote.labels, ref)
    assert vote.agreed.all()
    np.testing.assert_array_equal(vote.aligned, np.stack([ref] * 3))
    assert vote.min_votes == pytest.approx(3 / 1.2)


def test_super_majority_rule_hand_computed():
    # 6 members -> at least 6 / 1.2 = 5 votes. Sample 0: 6 votes; sample 1: 5 votes;
    # sample 2: 4 votes (not agreed). Members 1..5 are permutations of the pivot.
    pivot = np.array([0, 1, 2, 0, 1, 2])
    perm = np.array([1, 2, 0])
    members = [pivot]
    for m in range(1, 6):
        row = perm[pivot].copy()
        if m == 5:
            row[1] = perm[2]  # sample 1 gets one dissenting vote
        if m >= 4:
            row[2] = perm[0]  # sample 2 gets two dissenting votes
        members.append(row)
    vote = ensemble_vote(np.stack(members), 3, reference=0)
    np.testing.assert_array_equal(vote.labels, pivot)
    np.testing.assert_array_equal(vote.agreed, [True, True, False, True, True, True])


def test_noise_votes_are_dropped_and_members_with_wrong_count_do_not_vote():
    pivot = np.array([0, 0, 1, 1])
    noisy = np.array([1, -1, 0, 0])  # 2 clusters plus noise: votes, noise ignored
    wrong = np.array([0, 1, 2, 2])  # 3 clusters: does not vote
    vote = ensemble_vote(np.stack([pivot, noisy, wrong]), 2)
    np.testing.assert_array_equal(vote.usable, [True, True, False])
    np.testing.assert_array_equal(vote.aligned[1], [0, -1, 1, 1])
    np.testing.assert_array_equal(vote.aligned[2], [-1, -1, -1, -1])
    # two voters -> need 2 / 1.2 = 1.67 votes: sample 1 has only the pivot's vote
    np.testing.assert_array_equal(vote.agreed, [True, False, True, True])
    np.testing.assert_array_equal(vote.labels, pivot)


def test_falls_back_to_most_common_cluster_count():
    members = np.array([[0, 0, 1, 1], [1, 1, 0, 0], [0, 1, 2, 2]])
    vote = ensemble_vote(members, 5)  # nobody has 5 clusters; two have 2
    np.testing.assert_array_equal(vote.usable, [True, True, False])
    assert vote.agreed.all()


def test_previous_labels_fix_the_ids():
    members = np.array([[0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2]])
    previous = np.array([2, 2, 0, 0, 1, 1])
    vote = ensemble_vote(members, 3, previous=previous)
    np.testing.assert_array_equal(vote.labels, previous)


def test_reference_member_sets_the_ids():
    members = np.array([[0, 0, 1, 1], [1, 1, 0, 0]])
    np.testing.assert_array_equal(ensemble_vote(members, 2, reference=1).labels, [1, 1, 0, 0])


def test_select_by_agreement_returns_selection():
    members = np.array([[0, 0, 1, 1, 1], [1, 1, 0, 0, 1], [0, 0, 1, 1, 0]])
    sel = select_by_agreement(members, 2, ratio=1.0)  # unanimity
    assert isinstance(sel, Selection)
    np.testing.assert_array_equal(sel.indices, [0, 1, 2, 3])
    np.testing.assert_array_equal(sel.labels, [0, 0, 1, 1])
    np.testing.assert_array_equal(sel.weights, np.ones(4))


def test_bad_shape_raises():
    with pytest.raises(ValueError, match="n_members, n_samples"):
        ensemble_vote(np.array([0, 1, 1]), 2)


def test_cluster_that_is_all_noise_in_the_reference_keeps_an_id_below_k():
    # member 1's cluster 2 covers only samples the reference calls noise: it must still
    # be matched to the reference's unused id 2, never a fresh id 3 (out of range for K=3)
    reference = np.array([0, 0, 1, 1, 2, -1, -1])
    member = np.array([0, 0, 1, 1, -1, 2, 2])
    vote = ensemble_vote(np.stack([reference, member]), 3, reference=0)
    np.testing.assert_array_equal(vote.aligned[1], [0, 0, 1, 1, -1, 2, 2])
    assert vote.labels.max() == 2


def test_previous_labels_missing_an_id_keep_ids_below_k():
    # the previous ensemble never used id 1; the new pivot's third cluster takes it
    previous = np.array([0, 0, 2, 2, 2, 0])
    member = np.array([5, 5, 7, 7, 6, 6])
    vote = ensemble_vote(member[None], 3, previous=previous)
    np.testing.assert_array_equal(vote.labels, [0, 0, 2, 2, 1, 1])


def _split_third_cluster():
    # 6 members (5 votes needed). Clusters 0 and 1: everyone agrees. Cluster 2's samples
    # 6, 7, 8 get 4, 3 and 4 votes for 2 (the dissent goes to other clusters), so the
    # super-majority leaves cluster 2 with no agreed sample.
    pivot = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    members = np.stack([pivot] * 6)
    members[1:3, 6] = 0
    members[3:5, 7] = 0
    members[5, 7] = 1
    members[4:, 8] = 1  # every member keeps a sample in cluster 2, so all six vote
    return pivot, members


def test_floor_tops_up_a_cluster_the_super_majority_leaves_empty():
    pivot, members = _split_third_cluster()
    plain = ensemble_vote(members, 3)
    assert plain.usable.all()
    np.testing.assert_array_equal(plain.labels, pivot)
    np.testing.assert_array_equal(plain.agreed, [1, 1, 1, 1, 1, 1, 0, 0, 0])
    assert not plain.topped_up.any()
    # 6 agreed -> floor ceil(0.5 * 6 / 3) = 1: the most-voted sample of cluster 2 (4
    # votes) joins, and its tie (sample 8) with it; sample 7 (3 votes) stays out.
    vote = ensemble_vote(members, 3, min_cluster_share=0.5)
    np.testing.assert_array_equal(vote.topped_up, [0, 0, 0, 0, 0, 0, 1, 0, 1])
    np.testing.assert_array_equal(vote.agreed, [1, 1, 1, 1, 1, 1, 1, 0, 1])
    # floor ceil(1.5 * 6 / 3) = 3 takes all three; clusters 0 and 1 already have 3.
    vote = ensemble_vote(members, 3, min_cluster_share=1.5)
    np.testing.assert_array_equal(vote.topped_up, [0, 0, 0, 0, 0, 0, 1, 1, 1])
    selection = select_by_agreement(members, 3, min_cluster_share=1.5)
    np.testing.assert_array_equal(selection.indices, np.arange(9))
