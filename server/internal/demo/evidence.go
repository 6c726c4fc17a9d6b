package demo

import (
	"slices"
	"strings"
)

// phrases are short notes an observer might write for one indicator, for
// lower (Beginning, Developing) and higher (Proficient, Exemplary) scores.
type phrases struct {
	low, high []string
}

// indicatorEvidence holds notes per indicator of the built-in framework.
var indicatorEvidence = map[string]phrases{
	"respectful_relationships": {
		low:  []string{"Two students talked over a classmate; no redirection.", "Teacher used few student names; several students were not spoken to during the visit."},
		high: []string{"Students greeted by name at the door; partners thanked each other after sharing.", "A student disagreed politely: \"I see it differently because...\""},
	},
	"routines_and_transitions": {
		low:  []string{"About 6 minutes lost handing out materials.", "After the transition several students asked \"What do we do now?\""},
		high: []string{"Move into groups took under a minute on a single cue.", "Materials managers handed out supplies without prompting."},
	},
	"learning_from_mistakes": {
		low:  []string{"Wrong answer was corrected by the teacher and the class moved on.", "Students erased their work when the teacher walked over."},
		high: []string{"Teacher showed an incorrect solution and asked \"What was this student thinking?\"", "A student said \"I want to revise my answer\" and explained why."},
	},
	"clear_learning_goal": {
		low:  []string{"No goal posted; students said they were \"doing page 42\".", "Goal on the board named the activity, not the learning."},
		high: []string{"When asked, two students explained the goal in their own words.", "Teacher returned to the goal at the close and students rated themselves."},
	},
	"rigorous_task": {
		low:  []string{"Worksheet of 20 similar problems; no explanation asked for.", "Task asked students to copy definitions from the glossary."},
		high: []string{"Students had to decide which of two solutions was correct and justify it.", "Task asked for two different strategies and a comparison."},
	},
	"big_ideas": {
		low:  []string{"Steps taught as rules with no reason given.", "No link made to yesterday's lesson or the unit."},
		high: []string{"Teacher connected the area model to the distributive property.", "A student linked today's text to the unit question on fairness."},
	},
	"eliciting_student_thinking": {
		low:  []string{"Teacher accepted the first correct answer and moved on.", "Mostly yes-or-no questions; about 3 students answered."},
		high: []string{"Teacher asked \"How do you know?\" and waited; three students explained different strategies.", "Teacher asked a student to restate a classmate's idea before moving on."},
	},
	"academic_discourse": {
		low:  []string{"Turn-and-talk lasted 30 seconds; partners traded answers only.", "All talk went through the teacher."},
		high: []string{"Groups debated which strategy was more efficient using \"I agree because...\"", "Students questioned each other's claims without a prompt from the teacher."},
	},
	"active_participation": {
		low:  []string{"About a third of the class on task; several heads down.", "The same four students answered every question."},
		high: []string{"Every student writing on a whiteboard within a minute of the prompt.", "Cold call after think time; quieter students contributed."},
	},
	"scaffolds_for_access": {
		low:  []string{"Students who struggled were given an easier worksheet.", "Teacher did the hard step for the small group."},
		high: []string{"Manipulatives and a partly filled table on each desk; students used them as needed.", "Sentence frames and a visual helped the small group start the same task as everyone else."},
	},
	"language_support": {
		low:  []string{"Vocabulary listed on the wall but not used in the lesson.", "English learners were silent during the discussion."},
		high: []string{"Word bank on tables; students used \"denominator\" and \"equivalent\" in their talk.", "Partners rehearsed answers with a sentence frame before sharing with the class."},
	},
	"multiple_entry_points": {
		low:  []string{"One method modeled and required of all students.", "Students who drew a picture were told to use the algorithm instead."},
		high: []string{"Students solved with tape diagrams, tables and equations; teacher connected them.", "Task opened with a picture and a data table so students could start either way."},
	},
	"checking_for_understanding": {
		low:  []string{"Teacher asked \"Everyone got it?\" and moved on.", "Only volunteers' answers were checked."},
		high: []string{"Whiteboards up from every student; teacher sorted the responses.", "Exit ticket with one question per goal; teacher circulated and noted errors."},
	},
	"responsive_feedback": {
		low:  []string{"Feedback was \"good job\" or \"try again\".", "Work collected without comment."},
		high: []string{"Teacher told a student exactly which step to revisit and why.", "Students used the checklist to give partners one strength and one next step."},
	},
	"adjusting_instruction": {
		low:  []string{"Half the class looked confused; the lesson went on as planned.", "Teacher repeated the same explanation to the whole class."},
		high: []string{"After the whiteboard check the teacher pulled 5 students and retaught with a model.", "Students who got the check right moved on to an extension."},
	},
}

// genericEvidence serves indicators of a district's own rubric.
var genericEvidence = phrases{
	low:  []string{"Seen in a few moments only.", "Not yet consistent across the lesson."},
	high: []string{"Seen throughout the visit.", "Clear and consistent; students took part."},
}

// exchange is one scripted teacher question and student answer; deep ones
// show student reasoning.
type exchange struct {
	text string
	deep bool
}

// exchanges by subject.
var exchanges = map[string][]exchange{
	"Mathematics": {
		{`T: "How did you know?" S: "Because the pattern adds 3 each time."`, true},
		{`T: "Can you show me another way?" S: "I could draw 4 groups of 6 instead of counting by ones."`, true},
		{`T: "Why did you put 3/4 there on the number line?" S: "It's three of the four jumps between 0 and 1."`, true},
		{`T: "What's the same about your two strategies?" S: "We both broke 48 into 40 and 8."`, true},
		{`T: "Is 0.5 bigger than 0.45?" S: "Yes, 0.50 is fifty hundredths and that's more than forty-five."`, true},
		{`T: "What does the slope mean in this problem?" S: "It's how much the cost goes up for every extra ticket."`, true},
		{`T: "What is x?" S: "Seven."`, false},
		{`T: "Does that make sense?" S: "Yes."`, false},
		{`T: "What's 6 times 7?" S: "42."`, false},
	},
	"ELA": {
		{`T: "What in the text makes you think that?" S: "On page 4 it says she hid the letter, so she was scared."`, true},
		{`T: "How did the character change?" S: "At first he only cared about winning, but at the end he helps Sam."`, true},
		{`T: "What's the author's purpose here?" S: "To persuade us, because she keeps saying 'we must'."`, true},
		{`T: "Can you add on to what Maya said?" S: "I agree, and the title is a clue too."`, true},
		{`T: "What does 'reluctant' mean here?" S: "Like he didn't want to, because he dragged his feet."`, true},
		{`T: "What's the main idea?" S: "Frogs."`, false},
		{`T: "Who is the main character?" S: "Sam."`, false},
		{`T: "Did everyone finish the page?" S: "Yes."`, false},
	},
	"Science": {
		{`T: "What do you predict will happen?" S: "The ice in the foil will melt slower because foil reflects heat."`, true},
		{`T: "What evidence supports your claim?" S: "Our plant in the dark grew 2 cm less."`, true},
		{`T: "Why did you change only one thing?" S: "So we know it was the ramp height that made the difference."`, true},
		{`T: "What's the formula?" S: "Density equals mass over volume."`, false},
		{`T: "What is the powerhouse of the cell?" S: "Mitochondria."`, false},
	},
	"Social Studies": {
		{`T: "Whose point of view is missing from this source?" S: "The workers', because the factory owner wrote it."`, true},
		{`T: "What pushed the colonists to protest?" S: "The taxes, and they had no vote in Parliament."`, true},
		{`T: "How is this map different from yesterday's?" S: "It shows where people moved, not just the borders."`, true},
		{`T: "What year did the war end?" S: "1865."`, false},
		{`T: "Who was the first president?" S: "George Washington."`, false},
	},
}

// classroomNotes are notes on the room as a whole.
var classroomNotes = []string{
	"12 of 24 students had whiteboards up.",
	"Anchor chart on partial products used by several students.",
	"Teacher circulated with a clipboard, noting strategies.",
	"Small group at the back table working with the teacher.",
	"Students working in pairs; most pairs on task.",
	"Exit ticket handed out in the last five minutes.",
	"Objective posted and read aloud at the start.",
	"Two students sent to the hallway during the visit.",
	"Students used sentence frames taped to their desks.",
	"Most of the visit was teacher talk at the board.",
}

// Tags by grade band.
var (
	tagsElementary = []string{"small group", "whole group", "centers", "number talk", "read-aloud", "partner work", "manipulatives"}
	tagsSecondary  = []string{"whole group", "small group", "lab", "partner work", "independent practice", "discussion", "exit ticket"}
)

// nextStepActions are actions a debrief agrees on, by dimension.
var nextStepActions = map[string][]string{
	"classroom_culture": {
		"Review classroom norms with each grade-level team and post student-written norms in every room",
		"Walk transitions with the assistant principal for two weeks and share the quickest examples at the staff meeting",
	},
	"lesson_content": {
		"Have each PLC unpack the learning goal of the next unit and write it in student-friendly words",
		"Bring one task per team to the next PLC and raise its demand together",
	},
	"student_engagement": {
		"Lead a staff meeting on \"How do you know?\" questions using examples from today's rooms",
		"Plan a turn-and-talk routine with sentence frames and ask every teacher to try it twice this week",
	},
	"access_to_content": {
		"Build a shared bank of visuals and manipulatives for the next math unit",
		"Ask the coach to model sentence frames in the two rooms with the most English learners",
	},
	"monitoring_student_progress": {
		"Set up whiteboard checks in every math class and look at the results in PLC",
		"Visit again in two weeks and look only at what teachers do after a check for understanding",
	},
}

var genericActions = []string{
	"Share today's evidence with staff and choose one look-for to practise",
	"Schedule a second visit to see whether the look-for shows up",
}

// scoreEvidence returns a note for a score on indicator key at level r of
// the 1-to-4 scale.
func (g *gen) scoreEvidence(key string, r int) string {
	p, ok := indicatorEvidence[key]
	if !ok {
		p = genericEvidence
	}
	if r <= 2 {
		return pick(g, p.low)
	}
	return pick(g, p.high)
}

// overallEvidence scripts one or two exchanges of the subject and maybe a
// note on the room; the higher the lesson scored, the deeper the talk.
func (g *gen) overallEvidence(subject string, mean float64) string {
	bank, ok := exchanges[subject]
	if !ok {
		bank = exchanges[pick(g, []string{"Mathematics", "ELA"})]
	}
	deepChance := min(max((mean-1.6)/1.8, 0.1), 0.9)
	var parts []string
	n := 1
	if g.chance(0.45) {
		n = 2
	}
	for range n {
		deep := g.chance(deepChance)
		var choices []string
		for _, e := range bank {
			if e.deep == deep && !slices.Contains(parts, e.text) {
				choices = append(choices, e.text)
			}
		}
		if len(choices) > 0 {
			parts = append(parts, pick(g, choices))
		}
	}
	if g.chance(0.5) {
		parts = append(parts, pick(g, classroomNotes))
	}
	return strings.Join(parts, " ")
}

// tags returns up to two tags fitting the school's grade band.
func (g *gen) tags(gradeBand string) []string {
	bank := tagsSecondary
	if gradeBand == "elementary" {
		bank = tagsElementary
	}
	var tags []string
	for range g.between(0, 2) {
		t := pick(g, bank)
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}
