"""What a run is held against: scenarios, the contract, value rules, faults, channel kinds."""
