"""The model as a Mesa model: seeding, common random numbers, Mesa tools, agents as views, networks."""

import numpy as np
import pytest

import sim
from sim import network as networks
from sim.levels import LEVELS

SMALL = {"customers": 600, "steps": 30}


def test_same_seed_same_bytes_different_seed_differs():
    a = sim.EngagementModel(SMALL, rng=5).run().timeseries().to_csv()
    b = sim.EngagementModel(SMALL, rng=5).run().timeseries().to_csv()
    c = sim.EngagementModel(SMALL, rng=6).run().timeseries().to_csv()
    assert a == b and a != c


def test_common_random_numbers_one_lever_leaves_other_draws():
    """A price cut from step 0 on the same market at rest changes revenue, but the service draws of step 1
    are identical, and so are the interactions and failures they decide."""
    base = sim.EngagementModel(SMALL, rng=1)
    cheaper = sim.EngagementModel(SMALL, rng=1, overrides={"companies.focal.price": 0.7},
                                  rest=sim.scenario.from_dict(SMALL))
    np.testing.assert_array_equal(base.state.bond, cheaper.state.bond)  # the same market at rest at step 0
    for model in (base, cheaper):
        model.step()
    draws = [model.streams.stream("service", 1).uniform(5).tolist() for model in (base, cheaper)]
    assert draws[0] == draws[1]
    first = [base.timeseries().iloc[1], cheaper.timeseries().iloc[1]]
    assert first[0]["focal_interactions"] == first[1]["focal_interactions"]
    assert first[0]["focal_failures"] == first[1]["focal_failures"]
    assert first[0]["focal_revenue"] != first[1]["focal_revenue"]


def test_a_burn_in_brings_the_market_to_rest_without_counting_it():
    """The burn-in is run (the state moves) but not recorded: step 0 is the market after it."""
    fresh = sim.EngagementModel({**SMALL, "burn_in": 0}, rng=4)
    rested = sim.EngagementModel({**SMALL, "burn_in": 200}, rng=4)
    assert rested.steps == 0 and len(rested.timeseries()) == 1 and rested.market.step == 0
    assert not np.array_equal(fresh.state.bond, rested.state.bond)
    assert rested.timeseries()["focal_revenue"].sum() == 0  # nothing of the burn-in is counted
    # the recorded steps draw from their own streams whatever the burn-in: the same service draws
    assert (fresh.streams.stream("service", 1).uniform(9).tolist()
            == rested.streams.stream("service", 1).uniform(9).tolist())


def test_model_is_a_mesa_model_with_agents():
    import mesa

    model = sim.EngagementModel(SMALL, rng=2)
    assert isinstance(model, mesa.Model)
    assert getattr(model, "scenario", None) is not model.market_scenario  # Mesa >= 3.4 keeps its own there
    customers = model.agents_by_type[sim.agents.Customer] if hasattr(sim, "agents") else None
    assert customers is not None and len(customers) == 600
    assert len(model.agents_by_type[sim.agents.Company]) == 2
    view = model.customer(10)
    state_row = model.state.bond[10]
    view.bond = 0.42
    assert model.state.bond[10] == pytest.approx(0.42) and view.bond == pytest.approx(0.42)
    model.state.bond[10] = state_row
    assert view.level in (*LEVELS, "prospect")
    assert set(view.traits()) >= {"introversion", "price_sensitivity", "trust_rate", "complaint_propensity",
                                  "adaptation_rate", "relationships"}


def test_large_models_create_views_on_demand():
    model = sim.EngagementModel({"customers": 3000, "customer_agents": 1000, "steps": 2}, rng=1)
    assert len(model.agents_by_type.get(sim.agents.Customer, [])) == 0
    assert model.customer(2999).index == 2999
    assert len(model.agents_by_type[sim.agents.Customer]) == 1


def test_batch_run_and_datacollector():
    import mesa

    results = mesa.batch_run(sim.EngagementModel, parameters={"scenario": [SMALL], "rng": [1, 2],
                                                              "companies__focal__price": [0.9, 1.1]},
                             iterations=1, max_steps=10, number_processes=1, display_progress=False)
    assert len(results) == 4
    for row in results:
        assert sum(row[level] for level in LEVELS) > 0
        assert 0 < row["market_share"] < 1
    model = sim.EngagementModel(SMALL, rng=1).run(10)
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 11 and list(frame.columns[:5]) == list(LEVELS)
    assert (frame[list(LEVELS)].sum(axis=1) == model.timeseries()["focal_customers"]).all()


def test_levels_reading_covers_all_five():
    from sim.mechanisms.levels import read

    params = sim.from_dict({}).data
    bond = np.array([0.0, 0.3, 0.8, -0.5, -0.5], np.float32)
    anger = np.array([0, 0, 0, 0.1, 0.9], np.float32)
    assert [LEVELS[k] for k in read(bond, anger, params)] == list(LEVELS)


def test_transitions_and_switches_add_up():
    """Level counts change exactly by transitions in and out plus switching flows."""
    model = sim.EngagementModel({"customers": 1500, "steps": 60, "companies": {"focal": {"failure_rate": 0.1}}}, rng=4)
    model.run()
    frame = model.timeseries()
    total_transitions = frame[[c for c in frame.columns if "_to_" in c]].sum().sum()
    assert total_transitions > 0
    customers = frame[[f"{c}_customers" for c in model.market.names]].sum(axis=1) + frame["prospects"]
    assert (customers == 1500).all()
    for name in model.market.names:
        change = frame[f"{name}_customers"].diff().iloc[1:]
        flow = (frame[f"{name}_gained"] + frame[f"{name}_acquired"] - frame[f"{name}_lost"]).iloc[1:]
        assert (change == flow).all()


def test_interventions_take_effect_and_end():
    scenario = {"customers": 800, "steps": 40, "interventions": [
        {"at": 10, "until": 20, "company": "focal", "outage": {"failure_rate": 1.0, "share": 1.0}}]}
    frame = sim.EngagementModel(scenario, rng=1).run().timeseries()
    during = frame[(frame.step >= 10) & (frame.step < 20)]
    after = frame[frame.step >= 20]
    assert (during["focal_failures"] == during["focal_interactions"]).all()
    assert after["focal_failures"].sum() < 0.2 * after["focal_interactions"].sum()


@pytest.mark.parametrize(("n", "degree", "rewiring"), [(7, 4, 0.5), (2000, 10, 0.0), (2000, 8, 1.0),
                                                       (30_001, 10, 0.1), (50_000, 6, 0.3)])
def test_the_small_world_network_is_the_plain_constructions(n, degree, rewiring):
    """watts_strogatz draws its rewiring in blocks and builds the lists from the lattice without storing it:
    the same contacts, byte for byte, as the whole-array construction (tests/reference.py), with lattices of
    one block of draws and of several (30,001 x 5 edges)."""
    from .reference import watts_strogatz

    network = networks.watts_strogatz(n, degree, rewiring, np.random.default_rng(n))
    indptr, indices = watts_strogatz(n, degree, rewiring, np.random.default_rng(n))
    assert network.indptr.dtype == indptr.dtype and network.indices.dtype == indices.dtype
    assert np.array_equal(network.indptr, indptr) and np.array_equal(network.indices, indices)


@pytest.mark.parametrize("kind", ["watts_strogatz", "barabasi_albert", "erdos_renyi", "complete"])
def test_networks_are_seeded_and_shaped(kind):
    config = {"kind": kind, "degree": 8, "rewiring": 0.1, "path": ""}
    a = networks.build(config, 2000, np.random.default_rng(1))
    b = networks.build(config, 2000, np.random.default_rng(1))
    degrees = a.degrees()
    assert np.array_equal(degrees, b.degrees())
    if kind == "complete":
        assert (degrees == 1999).all()
    else:
        assert 6 < degrees.mean() < 10
        other_seed = networks.build(config, 2000, np.random.default_rng(2))
        assert not np.array_equal(a.indices, other_seed.indices)
    contacts = a.random_contact(np.random.default_rng(0).random(2000))
    assert (contacts != np.arange(2000)).all()
    if not a.complete:
        matrix = a.to_scipy()
        assert (matrix != matrix.T).nnz == 0 and matrix.diagonal().sum() == 0  # undirected, no self-loops
        # each list sorted and without repeats (repeated and looped edges do occur among 8,000 random ends)
        assert all((np.diff(a.indices[a.indptr[i]:a.indptr[i + 1]]) > 0).all() for i in range(2000))
        assert a.indptr[-1] == a.indices.size
        rows = np.repeat(np.arange(2000), np.diff(a.indptr))
        edges = set(zip(rows.tolist(), a.indices.tolist()))
        assert all((i, int(j)) in edges for i, j in enumerate(contacts) if j >= 0)


def test_edge_list_network(small_yaml, tmp_path):
    (tmp_path / "friends.txt").write_text("# a ring\n0 1\n1,2\n2 3\n3 0\n")
    path = small_yaml("customers: 4\nsteps: 3\nnetwork: {kind: edge_list, path: friends.txt}\n")
    model = sim.EngagementModel(path, rng=1)
    assert model.market.network.degrees().tolist() == [2, 2, 2, 2]
    model.run()
    (tmp_path / "broken.txt").write_text("0 9\n")
    with pytest.raises(ValueError, match="broken.txt:1: customer index out of range"):
        networks.edge_list(4, tmp_path / "broken.txt")


def test_advertising_moves_identification():
    """Twins with and without the focal company's advertising: exposure raises identification with it,
    and indifferent customers (who largely ignore marketing) are moved less than people who care."""
    quiet = {"customers": 3000, "steps": 60, "companies": {"focal": {"advertising": {"reach": 0.0}},
                                                           "rival": {"advertising": {"reach": 0.0}}}}
    loud = {**quiet, "companies": {"focal": {"advertising": {"reach": 0.2, "effect": 0.1}},
                                   "rival": {"advertising": {"reach": 0.0}}}}
    without, with_ads = (sim.EngagementModel(s, rng=2).run() for s in (quiet, loud))
    focal = with_ads.market.focal
    gain = with_ads.state.identification[:, focal] - without.state.identification[:, focal]
    assert gain.mean() > 0.05 and (gain >= -1e-6).mean() > 0.95

    # attention, one step of the mechanism alone: same identification, different feelings
    from sim.mechanisms import advertising
    from sim.tally import Tally

    model = sim.EngagementModel({**loud, "companies": {"focal": {"initial_share": 1.0, "advertising": {
        "reach": 1.0, "effect": 0.1}}}}, rng=3)
    state = model.state
    state.identification[:] = 0
    state.bond[:] = np.where(np.arange(state.n) % 2 == 0, 0.0, 0.5).astype(np.float32)  # indifferent, involved
    stream = model.streams.stream("advertising", 1)
    advertising.step(state, model.market, model.params, stream, Tally(model.market.size + 1))
    moved = state.identification[:, 0]
    assert moved[1::2].mean() > 2 * moved[0::2].mean() > 0


FIVE_COMPANIES = {"companies.focal.initial_share": 0.3, "companies.budget.initial_share": 0.25,
                  **{f"companies.brand{i}": {"initial_share": 0.1, "appeal": 0.1 * i} for i in range(2)}}


@pytest.mark.parametrize(("scenario", "customers", "changes"), [
    ("baseline", 900, {}), ("baseline", 70_001, {}),  # three companies; one block and several
    ("bass", 5000, {}), ("classroom", 5000, {}),  # one and two companies
    ("baseline", 9000, FIVE_COMPANIES)])  # five: the compiled fitting sums its columns four at a time
def test_set_up_draws_the_population_of_whole_array_draws(scenario, customers, changes):
    """Set-up draws in blocks and chooses starting companies on a thread with compiled fitting rounds: the
    same bytes as drawing each array in one call with NumPy's arithmetic (tests/reference.py), also for
    populations of several blocks and for markets of one to five companies."""
    from sim import state as states
    from sim.market import Market
    from sim.streams import Streams

    from .reference import create_population

    params = sim.scenario.resolve(scenario, {"customers": customers, **changes}).data
    market = Market(params["companies"], params["focal"], params["interventions"], None)
    made = states.create(params, market.size, Streams(9).generator("population", 0), market.quality[:-1])
    expected = create_population(params, market.size, Streams(9).generator("population", 0), market.quality[:-1])
    for name in states.field_names():
        assert np.array_equal(getattr(made, name), getattr(expected, name)), name
