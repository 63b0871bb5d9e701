-- How many estimations have moved a learned reliability or copy group, counted in each estimation's own
-- transaction (Trust/TrustProjection.cs). The trust projection reads it at the start of every batch: a new count
-- means a move committed since its last batch, in this process or another (an on-demand estimation), so a write
-- recorded before now may have reconciled its fact with the weights from before that move.
CREATE TABLE trust_weight_moves (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    moves     bigint  NOT NULL
);

INSERT INTO trust_weight_moves (singleton, moves) VALUES (true, 0);
