package main

import (
	"sort"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
)

// message is one SQS record on its way through the handler.
type message struct {
	index        int // position in the batch
	rec          *events.SQSMessage
	receiveCount int
	group        string // MessageGroupId on a FIFO queue, else ""
	parsed       parsed
	err          error // failure to turn the body into updates
	res          result
}

// laneKeys returns the keys that tie this message to others that must run in
// order with it: every asset it updates and, on a FIFO queue, its message
// group.
func (m *message) laneKeys() []string {
	var keys []string
	for _, u := range m.parsed.updates {
		keys = append(keys, "asset "+u.Asset.String())
	}
	if m.group != "" {
		keys = append(keys, "group "+m.group)
	}
	return keys
}

// receiveCount reads ApproximateReceiveCount, 1 when it is missing or
// invalid.
func receiveCount(rec *events.SQSMessage) int {
	n, err := strconv.Atoi(rec.Attributes["ApproximateReceiveCount"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// buildLanes splits a batch into lanes: the messages that share an asset or
// a FIFO message group, transitively, in batch order. A lane runs one
// message at a time; different lanes run in parallel. Lanes are returned in
// the order of their first message.
//
// NOTE: an asset named by uid in one message and by data_source_id in
// another lands in two lanes, because which uid a data_source_id belongs to
// is only known after a read. The two updates then run in parallel and
// their order within the batch is not kept.
func buildLanes(msgs []*message) [][]*message {
	parent := make([]int, len(msgs))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, m := range msgs {
		for _, key := range m.laneKeys() {
			j, ok := owner[key]
			if !ok {
				owner[key] = i
				continue
			}
			a, b := find(i), find(j)
			if a < b {
				a, b = b, a
			}
			parent[a] = b // the smaller index becomes the root
		}
	}

	byRoot := map[int][]*message{}
	var roots []int
	for i, m := range msgs {
		r := find(i)
		if _, ok := byRoot[r]; !ok {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], m)
	}
	sort.Ints(roots)
	lanes := make([][]*message, 0, len(roots))
	for _, r := range roots {
		lanes = append(lanes, byRoot[r])
	}
	return lanes
}
