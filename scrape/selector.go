package scrape

import (
	"fmt"
	"strings"
)

// maxSelector bounds a selector's length.
const maxSelector = 1024

// selectorCost says what matching one element with a selector may cost
// beyond looking at the element itself.
type selectorCost uint8

const (
	// costSubtree: the selector searches the element's descendants or
	// their text (:has, :haschild, :contains, :matches).
	costSubtree selectorCost = 1 << iota
	// costSiblings: it counts the element's siblings (:nth-child,
	// :nth-of-type, :only-child, :first-of-type...).
	costSiblings
)

// pseudoCost is the cost of each costly pseudo-class cascadia knows.
var pseudoCost = map[string]selectorCost{
	"has": costSubtree, "haschild": costSubtree, "contains": costSubtree, "containsown": costSubtree,
	"matches": costSubtree, "matchesown": costSubtree,
	"nth-child": costSiblings, "nth-last-child": costSiblings, "nth-of-type": costSiblings, "nth-last-of-type": costSiblings,
	"first-child": costSiblings, "last-child": costSiblings, "first-of-type": costSiblings, "last-of-type": costSiblings,
	"only-child": costSiblings, "only-of-type": costSiblings,
}

// searches are the pseudo-classes whose argument is matched against every
// element inside: one of them inside another multiplies a page's cost by
// its size again.
var searches = map[string]bool{"has": true, "haschild": true}

// checkSelector refuses a selector too costly to match on any page — too
// long, or with a search (:has) inside a search — and says what matching
// it costs.
func checkSelector(src string) (selectorCost, error) {
	if len(src) > maxSelector {
		return 0, fmt.Errorf("longer than %d characters", maxSelector)
	}
	var cost selectorCost
	var open []string // the pseudo-classes whose argument we are in; "" for other parentheses
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '\\':
			i++
		case '"', '\'':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '(':
			open = append(open, "")
		case ')':
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		case ':':
			j := i + 1
			for j < len(src) && src[j] == ':' {
				j++
			}
			k := j
			for k < len(src) && (src[k] == '-' || src[k] >= 'a' && src[k] <= 'z' || src[k] >= 'A' && src[k] <= 'Z') {
				k++
			}
			name := strings.ToLower(src[j:k])
			cost |= pseudoCost[name]
			if k < len(src) && src[k] == '(' {
				if pseudoCost[name]&costSubtree != 0 {
					for _, o := range open {
						if searches[o] {
							return 0, fmt.Errorf(":%s inside :%s searches the page once for every element it holds; use one :has", name, o)
						}
					}
				}
				open = append(open, name)
				k++
			}
			i = k - 1
		}
	}
	return cost, nil
}

// cost is how many elements matching a selector of cost c against every
// element inside n visits, n included.
func (f *facts) cost(c selectorCost) int {
	n := f.size
	if c&costSubtree != 0 {
		n += f.below
	}
	if c&costSiblings != 0 {
		n += f.sibs
	}
	return n
}
