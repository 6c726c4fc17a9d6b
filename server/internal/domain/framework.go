package domain

// BuiltinFramework returns the built-in five-dimension instructional
// framework as a draft template: version 1, no ids, no district. The caller
// assigns ids and publishes it. Every call builds a fresh value, so callers
// may change what they get without touching anyone else's copy.
func BuiltinFramework() RubricVersion {
	return RubricVersion{
		Name:        "Five-dimension instructional framework",
		Description: "Describes what teachers and students do in a strong lesson across classroom culture, lesson content, student engagement, access to content and monitoring of student progress, scored from Beginning to Exemplary.",
		Version:     1,
		Status:      RubricDraft,
		Levels: []Level{
			{Value: 1, Label: "Beginning"},
			{Value: 2, Label: "Developing"},
			{Value: 3, Label: "Proficient"},
			{Value: 4, Label: "Exemplary"},
		},
		Dimensions: []Dimension{
			{
				Key:  "classroom_culture",
				Name: "Classroom culture",
				Indicators: []Indicator{
					builtinIndicator("respectful_relationships", "Respectful relationships",
						"Interactions are often curt or sarcastic, and students talk over or dismiss one another. The teacher rarely responds to students' ideas.",
						"The teacher is polite, but warmth is uneven and some students are cut off or ignored. Students are respectful to the teacher but not always to each other.",
						"The teacher and students speak to each other with respect and listen when someone is talking. Students are called by name and most are drawn in.",
						"Students keep the class norms without reminders and disagree with classmates politely. Every student seems to feel they belong and can speak up."),
					builtinIndicator("routines_and_transitions", "Routines and transitions",
						"Much of the lesson is lost getting started, handing out materials or changing activities. Students wait to be told what to do next.",
						"Some routines are in place, but transitions drag and the teacher repeats directions often. Several minutes are lost to waiting.",
						"Routines for materials, groups and transitions run smoothly on brief cues from the teacher. Little time is lost and students know what to do.",
						"Students run the routines themselves and move between activities without prompting. Nearly every minute goes to learning."),
					builtinIndicator("learning_from_mistakes", "Mistakes treated as part of learning",
						"Wrong answers are corrected at once or passed over, and students hesitate to share work they are unsure of. Only a few confident students volunteer.",
						"The teacher says mistakes are fine, but errors are usually fixed by the teacher rather than explored. Students share mostly when they are sure they are right.",
						"The teacher treats errors as useful and asks the class to look at what went wrong and why. Many students share unfinished or uncertain thinking.",
						"Students offer their own mistakes and partial ideas, and classmates help find where the thinking went off track. Revising an answer is normal and valued."),
				},
			},
			{
				Key:  "lesson_content",
				Name: "Lesson content",
				Indicators: []Indicator{
					builtinIndicator("clear_learning_goal", "Clear learning goal",
						"No learning goal is stated, or it names an activity instead of what students will learn. Students cannot say what they are learning.",
						"A goal is posted or stated but not used during the lesson. Some students can repeat it but not explain it.",
						"The goal names what students will understand or be able to do, and the teacher ties the work back to it. Most students can explain what they are learning and why.",
						"Students use the goal to judge their own progress and can say how today's work builds on earlier lessons. The class returns to the goal to close the lesson."),
					builtinIndicator("rigorous_task", "Rigorous grade-level task",
						"The task is below grade level or asks only for recall or copying steps. Students finish quickly with little thinking.",
						"The task is on grade level but mostly repeats a procedure students were just shown. Few students have to reason or explain.",
						"Students work on a grade-level task that asks them to reason, explain or solve a problem in more than one way. The thinking stays with the students.",
						"Students take on a demanding task, justify their approaches and compare methods or texts. The teacher keeps the challenge high instead of stepping in to simplify it."),
					builtinIndicator("big_ideas", "Connection to big ideas",
						"The lesson is a set of separate steps or facts with no link to a larger idea. Content errors go uncorrected.",
						"The content is accurate, but links to the big idea or to earlier learning are made only by the teacher, in passing.",
						"The teacher connects the lesson to the unit's big idea and to what students already know, with accurate content and vocabulary.",
						"Students make the connections themselves, explaining how today's idea relates to earlier learning, other representations or life outside school."),
				},
			},
			{
				Key:  "student_engagement",
				Name: "Student engagement",
				Indicators: []Indicator{
					builtinIndicator("eliciting_student_thinking", "Eliciting student thinking",
						"The teacher asks mostly yes-or-no or one-word questions and accepts the first correct answer. Student thinking is rarely heard.",
						"The teacher sometimes asks why or how, but moves on after one student answers. Most students are not asked to explain.",
						"The teacher often asks students how they know, waits for full answers and asks follow-up questions to understand their thinking.",
						"The teacher presses several students to explain and compare strategies and uses what they say to steer the lesson. Students ask each other how they know."),
					builtinIndicator("academic_discourse", "Student-to-student talk",
						"Talk goes only from teacher to student and back. Students do not talk with one another about the content.",
						"Students turn and talk, but conversations are short or drift off topic. Partners trade answers rather than reasoning.",
						"Students discuss the content in pairs or groups, using academic words and explaining their reasoning to each other.",
						"Students build on, question and politely challenge each other's ideas in a sustained discussion while the teacher mostly listens."),
					builtinIndicator("active_participation", "Active participation",
						"Few students take part; many are passive, off task or waiting for the answer to be given.",
						"About half the class takes part, and the same few students do most of the answering.",
						"Most students are writing, talking or solving throughout the lesson, and the teacher draws in quieter students.",
						"Nearly all students stay invested and keep going when the work gets hard, taking charge of their learning without prompting."),
				},
			},
			{
				Key:  "access_to_content",
				Name: "Access to content",
				Indicators: []Indicator{
					builtinIndicator("scaffolds_for_access", "Supports that keep the task demanding",
						"Students who struggle get an easier task, or the teacher does the hard part for them. Many students cannot get started.",
						"Some supports are offered, such as a worked example, but they take over the thinking or reach only a few students.",
						"Supports such as visuals, manipulatives, sentence frames or smaller steps help students into the grade-level task without lowering its demand.",
						"Students choose and use supports on their own, and the teacher removes them as students gain confidence. Every student works on the grade-level task."),
					builtinIndicator("language_support", "Support for academic language",
						"Key vocabulary is not taught or used, and English learners have no way into the discussion or the writing.",
						"Vocabulary is posted or defined, but students have few chances to use it themselves.",
						"The teacher models academic language and gives students structured chances, such as frames, word banks or partner rehearsal, to use it in talk and writing.",
						"Students use academic language accurately and naturally, and English learners take full part in discussion with supports they pick themselves."),
					builtinIndicator("multiple_entry_points", "Multiple entry points",
						"There is one way into the task and one way to show work; students who do not follow it are stuck.",
						"The teacher shows more than one approach, but students are expected to use the one that was modeled.",
						"Students can start the task with different strategies or representations, such as drawings, models, tables or text evidence, and pick one that makes sense to them.",
						"Students use and connect several representations, and the teacher highlights different approaches so every student's work moves the class forward."),
				},
			},
			{
				Key:  "monitoring_student_progress",
				Name: "Monitoring of student progress",
				Indicators: []Indicator{
					builtinIndicator("checking_for_understanding", "Checking for understanding",
						"The teacher asks whether everyone gets it or relies on a few volunteers to judge whether the class understands.",
						"The teacher checks understanding at some points, but in ways that show only some students' thinking.",
						"The teacher checks every student's understanding during the lesson, with whiteboards, exit tickets or circulating, and notes what they see.",
						"Checks are built into the lesson at key moments, and students also check their own and each other's understanding against clear criteria."),
					builtinIndicator("responsive_feedback", "Feedback to students",
						"Feedback is rare or limited to \"good job\" or \"that's wrong\".",
						"The teacher gives feedback, but it is general or mostly corrects answers without pointing to a next step.",
						"The teacher gives specific, timely feedback that tells students what is working and what to try next.",
						"Students act on feedback during the lesson and give each other specific, useful feedback using shared criteria."),
					builtinIndicator("adjusting_instruction", "Adjusting instruction",
						"The lesson goes on as planned even when many students are confused.",
						"The teacher notices confusion but mostly re-explains the same way to the whole class.",
						"The teacher uses what the checks show to change the pace, regroup students or reteach a point in a new way.",
						"The teacher makes quick, targeted changes for individuals and groups: students who are ready move on while others get what they need."),
				},
			},
		},
	}
}

// builtinIndicator builds an indicator with one descriptor per level, 1 to 4.
func builtinIndicator(key, name, beginning, developing, proficient, exemplary string) Indicator {
	return Indicator{
		Key:  key,
		Name: name,
		Descriptors: []Descriptor{
			{Level: 1, Text: beginning},
			{Level: 2, Text: developing},
			{Level: 3, Text: proficient},
			{Level: 4, Text: exemplary},
		},
	}
}
